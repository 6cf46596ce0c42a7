// The loader's pipeline: link an x86-64 ET_REL module into memory chosen at run time.
// Stages, in order (each takes the load_info the previous ones filled):
//
//   elf_validity_check   headers, section table, string tables, symbols, relocations: untrusted
//   setup_load_info      this_module (name, init, exit), .modinfo (license), special sections
//   check_modinfo        .modinfo vermagic= is this kernel's LKM_VERMAGIC (as Linux's check_modinfo)
//   layout_sections      core and init regions, each text | rodata | ro_after_init | data
//   move_module          allocate both regions from the caller, copy sections, zero .bss
//   simplify_symbols     resolve undefined symbols through the caller's SymbolResolver
//   apply_relocations    RELA sections -> apply_relocate_add (x86-64)
//   find_module_sections exports (__ksymtab, __ksymtab_gpl), parameters (__param), constructors
//                        (.init_array), init/exit addresses
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
    bool gpl_only = false; // exported with EXPORT_SYMBOL_GPL
};

// Looks up a symbol the module imports: the kernel's exports, then other modules'.
class SymbolResolver {
public:
    // An error with LKM_ENOENT means "no such export"; any other error aborts the load as is.
    virtual ErrorOr<ResolvedSymbol> resolve(const char* name) = 0;

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
ErrorOr<void> check_modinfo(const load_info& info);
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
