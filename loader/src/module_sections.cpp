// Stage 7: after relocation, read what the kernel needs to run and unload the module: its exports
// (__ksymtab, __ksymtab_gpl: struct lkm_kernel_symbol arrays), its parameters (__param), its C++
// constructors (.init_array) and the final addresses of init and exit (this_module's fields).
#include <loader/format.h>
#include <loader/loader.h>

namespace lkm {
namespace {

using namespace elf;

ErrorOr<size_t> count_entries(const load_info& info, unsigned index, size_t entry_size)
{
    if (index == 0)
        return size_t { 0 };
    const Elf64_Shdr& s = info.sechdrs[index];
    if (info.placement[index].region == Region::none || s.sh_size % entry_size != 0)
        return make_error(LKM_ENOEXEC, "malformed module table section", "%s: %llu bytes, not loaded or not a multiple of %zu",
            info.section_name(index), static_cast<unsigned long long>(s.sh_size), entry_size);
    return static_cast<size_t>(s.sh_size / entry_size);
}

uint64_t read_u64(const uint8_t* p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

} // namespace

ErrorOr<void> find_module_sections(load_info& info)
{
    if (!info.symbol_value.size())
        return Error::from_errno(LKM_EINVAL, "find_module_sections before simplify_symbols");
    info.num_exports = TRY(count_entries(info, info.index.ksymtab, sizeof(lkm_kernel_symbol)));
    info.num_gpl_exports = TRY(count_entries(info, info.index.ksymtab_gpl, sizeof(lkm_kernel_symbol)));
    info.num_params = TRY(count_entries(info, info.index.param, sizeof(lkm_kernel_param)));
    info.num_ctors = TRY(count_entries(info, info.index.ctors, sizeof(uint64_t)));
    info.ctors_address = info.num_ctors ? info.section_address(info.index.ctors) : 0;
    const uint8_t* mod = info.section_memory(info.index.mod);
    info.init.address = read_u64(mod + __builtin_offsetof(lkm_this_module, init));
    info.exit.address = read_u64(mod + __builtin_offsetof(lkm_this_module, exit));
    // Every export must name itself with a string inside the module.
    for (size_t i = 0; i < info.num_exports + info.num_gpl_exports; ++i)
        TRY(module_export(info, i));
    return {};
}

ErrorOr<ExportedSymbol> module_export(const load_info& info, size_t i)
{
    if (i >= info.num_exports + info.num_gpl_exports)
        return Error::from_errno(LKM_EINVAL, "export index out of range");
    bool gpl = i >= info.num_exports;
    unsigned section = gpl ? info.index.ksymtab_gpl : info.index.ksymtab;
    size_t entry = gpl ? i - info.num_exports : i;
    const uint8_t* p = info.section_memory(section) + entry * sizeof(lkm_kernel_symbol);
    ExportedSymbol symbol;
    symbol.value = read_u64(p + __builtin_offsetof(lkm_kernel_symbol, value));
    symbol.gpl_only = gpl;
    uint64_t name_address = read_u64(p + __builtin_offsetof(lkm_kernel_symbol, name));
    const uint8_t* name = info.memory_at(name_address, 1);
    if (!name)
        return make_error(LKM_ENOEXEC, "exported symbol's name is outside the module", "%s entry %zu: name at 0x%llx",
            info.section_name(section), entry, static_cast<unsigned long long>(name_address));
    // The string must end inside the region it starts in.
    bool in_core = name_address >= info.core.address && name_address - info.core.address < info.core.size;
    const ModuleMemory& region = in_core ? info.core : info.init_region;
    const uint8_t* end = region.memory + region.size;
    const uint8_t* q = name;
    while (q < end && *q)
        ++q;
    if (q == end || q == name)
        return make_error(LKM_ENOEXEC, "exported symbol's name is empty or not terminated", "%s entry %zu",
            info.section_name(section), entry);
    symbol.name = reinterpret_cast<const char*>(name);
    return symbol;
}

} // namespace lkm
