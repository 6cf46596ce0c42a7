// Stage 7: after relocation, read what the kernel needs to run and unload the module: its exports
// (__ksymtab, __ksymtab_gpl: struct lkm_kernel_symbol arrays, with their CRCs in __kcrctab and
// __kcrctab_gpl), its parameters (__param), its C++ constructors (.init_array) and the final
// addresses of init and exit (this_module's fields), and KUnit's suites (.kunit_test_suites).
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

// The NUL-terminated string at a run address inside the module, ending inside the region it
// starts in; nullptr if it starts outside. *length: its length, or SIZE_MAX if it never ends.
const char* string_in_module(const load_info& info, uint64_t address, size_t* length)
{
    const uint8_t* start = info.memory_at(address, 1);
    if (!start)
        return nullptr;
    bool in_core = address >= info.core.address && address - info.core.address < info.core.size;
    const ModuleMemory& region = in_core ? info.core : info.init_region;
    const uint8_t* end = region.memory + region.size;
    const uint8_t* q = start;
    while (q < end && *q)
        ++q;
    *length = q == end ? SIZE_MAX : static_cast<size_t>(q - start);
    return reinterpret_cast<const char*>(start);
}

struct Pair {
    unsigned section;
    size_t count;
};

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
    info.num_kunit_suites = TRY(count_entries(info, info.index.kunit_suites, sizeof(uint64_t)));
    // A CRC table, if there is one, has an entry for each export of its table.
    const Pair tables[] = { { info.index.kcrctab, info.num_exports }, { info.index.kcrctab_gpl, info.num_gpl_exports } };
    for (auto [crcs, exports] : tables) {
        if (crcs && TRY(count_entries(info, crcs, sizeof(lkm_kcrc))) != exports)
            return make_error(LKM_ENOEXEC, "CRC table does not match its export table", "%s: %llu bytes for %zu exports",
                info.section_name(crcs), static_cast<unsigned long long>(info.sechdrs[crcs].sh_size), exports);
    }
    info.ctors_address = info.num_ctors ? info.section_address(info.index.ctors) : 0;
    info.kunit_suites_address = info.num_kunit_suites ? info.section_address(info.index.kunit_suites) : 0;
    const uint8_t* mod = info.section_memory(info.index.mod);
    info.init.address = read_u64(mod + __builtin_offsetof(lkm_this_module, init));
    info.exit.address = read_u64(mod + __builtin_offsetof(lkm_this_module, exit));
    // Every export must name itself with a string inside the module.
    for (size_t i = 0; i < info.num_exports + info.num_gpl_exports; ++i)
        TRY(module_export(info, i));
    TRY(check_module_params(info)); // before parse_args writes through the entries
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
    size_t name_length = 0;
    symbol.name = string_in_module(info, name_address, &name_length);
    if (!symbol.name)
        return make_error(LKM_ENOEXEC, "exported symbol's name is outside the module", "%s entry %zu: name at 0x%llx",
            info.section_name(section), entry, static_cast<unsigned long long>(name_address));
    if (name_length == 0 || name_length == SIZE_MAX)
        return make_error(LKM_ENOEXEC, "exported symbol's name is empty or not terminated", "%s entry %zu",
            info.section_name(section), entry);
    if (unsigned crcs = gpl ? info.index.kcrctab_gpl : info.index.kcrctab) {
        symbol.has_crc = true;
        __builtin_memcpy(&symbol.crc, info.section_memory(crcs) + entry * sizeof(lkm_kcrc), sizeof(lkm_kcrc));
    }
    if (uint64_t ns_address = read_u64(p + __builtin_offsetof(lkm_kernel_symbol, ns))) {
        size_t ns_length = 0;
        symbol.ns = string_in_module(info, ns_address, &ns_length);
        if (!symbol.ns || ns_length == SIZE_MAX)
            return make_error(LKM_ENOEXEC, "exported symbol's namespace is outside the module or not terminated",
                "%s entry %zu: at 0x%llx", info.section_name(section), entry, static_cast<unsigned long long>(ns_address));
    }
    return symbol;
}

} // namespace lkm
