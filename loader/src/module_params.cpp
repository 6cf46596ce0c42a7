// __param, checked before the kernel's parse_args trusts it: after relocation every entry's
// pointers are run addresses the kernel will read a name through and write values through, so a
// corrupted entry (or relocation) could otherwise make parse_args read or write anywhere. Each
// entry must name itself with a NUL-terminated string inside the module, have a type this ABI
// knows, and point its variable (all max_elems elements of an array) and its element counter at
// the module's writable data. Linux trusts the table (modpost built it); here it is input.
#include <loader/format.h>
#include <loader/loader.h>

namespace lkm {
namespace {

uint64_t read_u64(const uint8_t* p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

uint32_t read_u32(const uint8_t* p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

// [address, address + size) inside the rw- data class of the core or init region.
bool in_module_data(const load_info& info, uint64_t address, uint64_t size)
{
    struct Span {
        const ModuleMemory& memory;
        const RegionLayout& layout;
    };
    const Span spans[] = { { info.core, info.core_layout }, { info.init_region, info.init_layout } };
    unsigned data = static_cast<unsigned>(SectionClass::data);
    for (const Span& span : spans) {
        if (!span.memory.memory)
            continue;
        uint64_t begin = span.memory.address + span.layout.class_offset[data];
        uint64_t length = span.layout.class_size[data];
        if (address >= begin && address - begin <= length && size <= length - (address - begin))
            return true;
    }
    return false;
}

// The NUL-terminated string at a run address, ending inside the region it starts in.
const char* module_string(const load_info& info, uint64_t address)
{
    const uint8_t* start = info.memory_at(address, 1);
    if (!start)
        return nullptr;
    bool in_core = address >= info.core.address && address - info.core.address < info.core.size;
    const ModuleMemory& region = in_core ? info.core : info.init_region;
    const uint8_t* end = region.memory + region.size;
    for (const uint8_t* q = start; q < end; ++q)
        if (!*q)
            return q == start ? nullptr : reinterpret_cast<const char*>(start);
    return nullptr;
}

} // namespace

ErrorOr<ModuleParam> module_param(const load_info& info, size_t i)
{
    if (i >= info.num_params)
        return Error::from_errno(LKM_EINVAL, "parameter index out of range");
    const uint8_t* p = info.section_memory(info.index.param) + i * sizeof(lkm_kernel_param);
    ModuleParam param;
    uint64_t name_address = read_u64(p + __builtin_offsetof(lkm_kernel_param, name));
    param.arg = read_u64(p + __builtin_offsetof(lkm_kernel_param, arg));
    param.type = read_u32(p + __builtin_offsetof(lkm_kernel_param, type));
    param.max_elems = read_u32(p + __builtin_offsetof(lkm_kernel_param, max_elems));
    param.num = read_u64(p + __builtin_offsetof(lkm_kernel_param, num));
    param.name = module_string(info, name_address);
    if (!param.name)
        return make_error(LKM_ENOEXEC, "module parameter's name is not a string inside the module",
            "__param entry %zu: name at 0x%llx", i, static_cast<unsigned long long>(name_address));
    uint32_t element = lkm_param_type_size(param.type);
    if (!element)
        return make_error(LKM_ENOEXEC, "module parameter of an unknown type", "%s (__param entry %zu): type %u",
            param.name, i, param.type);
    uint64_t bytes = uint64_t(element) * (param.max_elems ? param.max_elems : 1);
    if (!in_module_data(info, param.arg, bytes))
        return make_error(LKM_ENOEXEC, "module parameter's variable is not in the module's writable data",
            "%s (__param entry %zu): %llu bytes at 0x%llx", param.name, i, static_cast<unsigned long long>(bytes),
            static_cast<unsigned long long>(param.arg));
    if (param.num && (!param.max_elems || !in_module_data(info, param.num, sizeof(uint32_t))))
        return make_error(LKM_ENOEXEC, "module parameter's element count is not an array's, in the module's writable data",
            "%s (__param entry %zu): num at 0x%llx, max_elems %u", param.name, i,
            static_cast<unsigned long long>(param.num), param.max_elems);
    return param;
}

ErrorOr<void> check_module_params(const load_info& info)
{
    for (size_t i = 0; i < info.num_params; ++i)
        TRY(module_param(info, i));
    return {};
}

} // namespace lkm
