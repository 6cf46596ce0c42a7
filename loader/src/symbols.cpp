// Stage 5: give every symbol its final value (Linux's simplify_symbols). Defined symbols are their
// section's run address plus st_value; SHN_ABS keeps st_value; undefined ones come from the
// caller's resolver — the kernel's exports, then other modules' — and, as Linux's resolve_symbol,
// each must agree with the module's __versions CRC (check_version) and come from a namespace the
// module imports. The ELF image stays untouched: values go to info.symbol_value.
#include <loader/format.h>
#include <loader/loader.h>

namespace lkm {

using namespace elf;

ErrorOr<void> simplify_symbols(load_info& info, SymbolResolver& resolver)
{
    if (!info.core.memory)
        return Error::from_errno(LKM_EINVAL, "simplify_symbols before move_module");
    info.symbol_value = TRY(Array<uint64_t>::create(info.allocator, info.num_syms));
    const char* first_unknown = nullptr; // every unknown symbol is reported before the load fails
    for (unsigned i = 1; i < info.num_syms; ++i) {
        const Elf64_Sym& sym = info.symtab[i];
        const char* name = info.symbol_name(i);
        switch (sym.st_shndx) {
        case SHN_ABS:
            info.symbol_value[i] = sym.st_value;
            break;
        case SHN_UNDEF: {
            if (name[0] == '\0')
                break; // the null symbol's twins: value 0
            auto resolved = resolver.resolve(name);
            if (resolved.is_error()) {
                Error e = resolved.release_error();
                if (e.code == LKM_ENOENT && elf64_st_bind(sym.st_info) == STB_WEAK)
                    break; // weak undefined: 0, as a static link would leave it
                if (e.code != LKM_ENOENT)
                    return e;
                resolver.unknown_symbol(name);
                if (!first_unknown)
                    first_unknown = name;
                break;
            }
            ResolvedSymbol value = resolved.release_value();
            // As Linux: a GPL-only export is invisible to a module that is not GPL-compatible.
            if (value.gpl_only && !info.gpl_compatible)
                return make_error(LKM_ENOENT, "GPL-only symbol used by a module whose license is not GPL-compatible",
                    "%s (license \"%s\")", name, info.license ? info.license : "unspecified");
            if (TRY(check_version(info, name, value)) == VersionCheck::no_entry && !info.first_unversioned)
                info.first_unversioned = name;
            TRY(verify_namespace_is_imported(info, name, value));
            info.symbol_value[i] = value.value;
            break;
        }
        default:
            // Symbols of sections that are not loaded (debug info) keep st_value, as Linux.
            info.symbol_value[i] = info.section_address(sym.st_shndx) + sym.st_value;
            break;
        }
    }
    if (first_unknown)
        return make_error(LKM_ENOENT, "Unknown symbol", "%s", first_unknown).with_kind(ErrorKind::UnknownSymbol);
    return {};
}

} // namespace lkm
