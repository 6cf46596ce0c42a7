// The whole pipeline, for callers that need no step in between (host tools, tests, the fuzzer).
// The kernel calls the stages itself, with its own stages between them (load_module).
#include <loader/loader.h>

namespace lkm {

ErrorOr<void> link_module(load_info& info, ModuleMemoryProvider& provider, SymbolResolver& resolver,
                          ModinfoCheck modinfo)
{
    TRY(elf_validity_check(info));
    TRY(setup_load_info(info));
    if (modinfo == ModinfoCheck::vermagic) {
        // module_layout's CRC, when the symbols resolved against are versioned (a kernel's are).
        auto layout = resolver.resolve("module_layout");
        if (!layout.is_error())
            TRY(check_modstruct_version(info, layout.value()));
        TRY(check_modinfo(info));
    }
    TRY(layout_sections(info));
    TRY(move_module(info, provider));
    TRY(simplify_symbols(info, resolver));
    TRY(apply_relocations(info));
    TRY(find_module_sections(info));
    return {};
}

} // namespace lkm
