// The loader's pipeline: link an x86-64 ET_REL module into memory chosen at run time.
// Stages, in order (each takes the load_info the previous ones filled):
//
//   elf_validity_check   headers, section table, string tables, symbols, relocations: untrusted
//   setup_load_info      this_module (name, init, exit), .modinfo (license), special sections
//   check_modinfo        .modinfo vermagic= is this kernel's LKM_VERMAGIC (as Linux's check_modinfo);
//                        with check_modstruct_version before it (module_layout's CRC)
//   layout_sections      core and init regions, each text | rodata | ro_after_init | data
//   move_module          allocate both regions from the caller, copy sections, zero .bss
//   simplify_symbols     resolve undefined symbols through the caller's SymbolResolver, checking
//                        each one's CRC (check_version) and namespace
//   apply_relocations    RELA sections -> apply_relocate_add (x86-64)
//   find_module_sections exports (__ksymtab, __ksymtab_gpl), parameters (__param, checked:
//                        module_params.cpp), constructors (.init_array), init/exit addresses
//
// link_module() runs them all; check_modinfo only when asked (ModinfoCheck::vermagic, as
// `lkmemu check` asks, to give the kernel's verdict), so that objects not built for this kernel,
// such as the loader's test objects and fuzz inputs, still link. Every failure is an lkm::Error whose errno is
// what init_module returns; module memory is freed by load_info's destructor unless the caller
// keeps it.
#pragma once

#include <loader/load_info.h>

namespace lkm {

struct ResolvedSymbol {
    uint64_t value = 0;
    bool gpl_only = false;    // exported with EXPORT_SYMBOL_GPL
    bool has_crc = false;     // the exporter has a CRC for it (__kcrctab)
    uint32_t crc = 0;
    const char* ns = nullptr; // its symbol namespace, or nullptr
};

// Looks up a symbol the module imports: the kernel's exports, then other modules'.
class SymbolResolver {
public:
    // An error with LKM_ENOENT means "no such export"; any other error aborts the load as is.
    virtual ErrorOr<ResolvedSymbol> resolve(const char* name) = 0;
    // Told of each undefined, non-weak symbol no export provides: as Linux's simplify_symbols,
    // the loader goes on through the whole table so that every one is named (the kernel logs
    // each), then fails with ENOENT naming the first. A resolver that needs only that may ignore it.
    virtual void unknown_symbol(const char* name) { (void)name; }

protected:
    ~SymbolResolver() = default;
};

ErrorOr<void> elf_validity_check(load_info& info);
ErrorOr<void> setup_load_info(load_info& info);
// The part of setup_load_info that finds and checks .modinfo: enough for `lkmemu modinfo`, which
// reads objects that need not be complete modules.
ErrorOr<void> find_modinfo(load_info& info);
// ENOEXEC "no version magic, refusing to load", or "version magic mismatch" with context
// "'FOUND' should be 'LKM_VERMAGIC'". Needs setup_load_info (or find_modinfo).
// With __versions, only what follows the release (the first word) is compared (Linux's
// same_magic), since the CRCs say whether the interfaces match.
ErrorOr<void> check_modinfo(const load_info& info);

// modversions (Linux's kernel/module/version.c), docs/versions.md. check_version compares the CRC
// the exporter has for `name` with the module's __versions entry: a mismatch is EINVAL
// "disagrees about version of symbol" (kind BadVersion, context NAME).
enum class VersionCheck {
    ok,          // the CRCs agree, or the exporter has none
    no_versions, // the module has no __versions (or it is ignored): the load may go on only forced
    no_entry,    // __versions does not list it: Linux warns "no symbol version for NAME" and goes on
};
ErrorOr<VersionCheck> check_version(const load_info& info, const char* name, const ResolvedSymbol& exporter);
// Linux's check_modstruct_version: module_layout's CRC, as the kernel exports it, against the
// module's; a mismatch is ENOEXEC (the module format itself differs). Needs setup_load_info.
ErrorOr<VersionCheck> check_modstruct_version(const load_info& info, const ResolvedSymbol& module_layout);
// Linux's verify_namespace_is_imported: an export in a namespace needs .modinfo import_ns=NS;
// else EINVAL (kind MissingNamespace, context "NAME NAMESPACE").
ErrorOr<void> verify_namespace_is_imported(const load_info& info, const char* name, const ResolvedSymbol& exporter);
ErrorOr<void> layout_sections(load_info& info);
ErrorOr<void> move_module(load_info& info, ModuleMemoryProvider& provider);
ErrorOr<void> simplify_symbols(load_info& info, SymbolResolver& resolver);
ErrorOr<void> apply_relocations(load_info& info);
ErrorOr<void> apply_relocate_add(load_info& info, unsigned relsec);
ErrorOr<void> find_module_sections(load_info& info);

enum class ModinfoCheck { none, vermagic };
ErrorOr<void> link_module(load_info& info, ModuleMemoryProvider& provider, SymbolResolver& resolver,
                          ModinfoCheck modinfo = ModinfoCheck::none);

// .modinfo: the value of the first record "tag=value" after `previous` (nullptr: from the start),
// or nullptr. Needs find_modinfo (or setup_load_info). Values point into the image.
const char* get_modinfo(const load_info& info, const char* tag, const char* previous = nullptr);

// Every .modinfo record in order: calls visit(key, key_length, value) for each "key=value"
// (value "" for a record without '='). Needs find_modinfo.
template<typename Visitor>
void for_each_modinfo(const load_info& info, Visitor&& visit);

// The i-th export (0 <= i < num_exports + num_gpl_exports; GPL ones last). Needs
// find_module_sections.
ErrorOr<ExportedSymbol> module_export(const load_info& info, size_t i);

// The i-th __param entry (0 <= i < num_params), checked (src/module_params.cpp): a name string
// inside the module, a known type, the variable (every element) and the count in the module's
// writable data. ENOEXEC otherwise. check_module_params checks them all; find_module_sections
// calls it, so parse_args may trust the table.
struct ModuleParam {
    const char* name = nullptr; // in the module's memory, NUL-terminated
    uint64_t arg = 0;           // run address of the variable (or the array's first element)
    uint32_t type = 0;          // enum lkm_param_type
    uint32_t max_elems = 0;     // 0: a scalar
    uint64_t num = 0;           // run address of an array's element count, or 0
};
ErrorOr<ModuleParam> module_param(const load_info& info, size_t i);
ErrorOr<void> check_module_params(const load_info& info);

// ---- implementation of the template above

namespace detail {
// The next record of .modinfo at or after `cursor`, skipping NUL padding; nullptr at the end.
const char* next_modinfo_record(const load_info& info, const char* cursor);
size_t modinfo_record_length(const load_info& info, const char* record);
} // namespace detail

template<typename Visitor>
void for_each_modinfo(const load_info& info, Visitor&& visit)
{
    for (const char* record = detail::next_modinfo_record(info, nullptr); record;
         record = detail::next_modinfo_record(info, record + detail::modinfo_record_length(info, record))) {
        size_t key_length = 0;
        while (record[key_length] && record[key_length] != '=')
            ++key_length;
        const char* value = record[key_length] == '=' ? record + key_length + 1 : record + key_length;
        visit(record, key_length, value);
    }
}

} // namespace lkm
