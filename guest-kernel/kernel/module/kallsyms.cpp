// Module symbols for oops backtraces and %pS (Linux's kernel/module/kallsyms.c): at load time the
// module's defined symbols are copied out of the image (which is freed after the load), so that
// an address inside a module prints as "hello_init+0x4/0x20 [hello]". Symbols of the init
// region are dropped when its memory is freed. The module of an address comes from the address
// tree (tree_lookup.cpp); within the module the symbols are scanned, as Linux's
// find_kallsyms_symbol does.
#include "internal.h"

#include <asm/page.h>
#include <kernel/module.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/vsprintf.h>

namespace {

using namespace lkm::elf;

bool wanted(const lkm::load_info& info, const Elf64_Sym& sym)
{
    u8 type = elf64_st_type(sym.st_info);
    if (type == STT_SECTION || type == STT_FILE || sym.st_shndx == SHN_UNDEF || sym.st_shndx >= info.shnum)
        return false;
    return info.placement[sym.st_shndx].region != lkm::Region::none;
}

// modpost makes init_module / cleanup_module aliases of the module's own functions: when two
// symbols start at the same place, the module's own name is the better one.
bool is_alias_name(const char* name) { return !strcmp(name, "init_module") || !strcmp(name, "cleanup_module"); }

bool better(const module_symbol& candidate, const module_symbol* best)
{
    if (!best || candidate.address > best->address)
        return true;
    if (candidate.address < best->address)
        return false;
    if (is_alias_name(best->name) != is_alias_name(candidate.name))
        return is_alias_name(best->name);
    return candidate.size > best->size;
}

} // namespace

lkm::ErrorOr<void> add_kallsyms(module* mod, const lkm::load_info& info)
{
    size_t count = 0, names = 0;
    for (unsigned i = 1; i < info.num_syms; i++) {
        if (!wanted(info, info.symtab[i]))
            continue;
        count++;
        names += strlen(info.symbol_name(i)) + 1;
    }
    if (!count)
        return {};
    mod->symtab = static_cast<module_symbol*>(kmalloc(count * sizeof(module_symbol)));
    mod->strtab = static_cast<char*>(kmalloc(names));
    if (!mod->symtab || !mod->strtab)
        return lkm::Error::from_errno(LKM_ENOMEM, "out of memory for the module's symbol table");
    char* name = mod->strtab;
    for (unsigned i = 1; i < info.num_syms; i++) {
        const Elf64_Sym& sym = info.symtab[i];
        if (!wanted(info, sym))
            continue;
        size_t length = strlen(info.symbol_name(i));
        memcpy(name, info.symbol_name(i), length + 1);
        mod->symtab[mod->num_symtab++] = { info.section_address(sym.st_shndx) + sym.st_value, sym.st_size, name,
                                           info.placement[sym.st_shndx].region == lkm::Region::init };
        name += length + 1;
    }
    return {};
}

void drop_init_symbols(module* mod)
{
    size_t kept = 0;
    for (size_t i = 0; i < mod->num_symtab; i++) {
        if (!mod->symtab[i].init)
            mod->symtab[kept++] = mod->symtab[i];
    }
    mod->num_symtab = kept; // the names stay in strtab until the module goes
}

void free_module_symtab(module* mod)
{
    kfree(mod->symtab);
    kfree(mod->strtab);
    mod->symtab = nullptr;
    mod->strtab = nullptr;
    mod->num_symtab = 0;
}

size_t module_sprint_symbol(char* buf, size_t size, u64 address, bool backtrace)
{
    u64 lookup = backtrace ? address - 1 : address;
    struct module* mod = mod_find(lookup);
    if (!mod)
        return 0;
    const module_symbol* best = nullptr;
    for (size_t i = 0; i < mod->num_symtab; i++) {
        const module_symbol& sym = mod->symtab[i];
        bool covers = lookup >= sym.address && (lookup - sym.address < sym.size || (!sym.size && lookup == sym.address));
        if (covers && better(sym, best))
            best = &sym;
    }
    if (!best)
        return 0;
    u64 offset = lookup - best->address + (backtrace ? 1 : 0);
    int n = snprintf(buf, size, "%s+%#lx/%#lx [%s]", best->name, offset, best->size, mod->name);
    return n < 0 ? 0 : min<size_t>(static_cast<size_t>(n), size ? size - 1 : 0);
}
