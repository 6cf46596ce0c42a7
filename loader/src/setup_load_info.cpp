// Stage 2: find the sections that make an object a module: .gnu.linkonce.this_module (name, init,
// exit), .modinfo (license and the rest), and where exports and parameters live.
#include <loader/format.h>
#include <loader/loader.h>
#include <lkmemu/kunit.h>

namespace lkm {
namespace {

using namespace elf;

bool names_equal(const char* a, const char* b)
{
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

// The one section with this name; 0 if none. Two are refused: which would the module mean?
ErrorOr<unsigned> find_unique_section(const load_info& info, const char* name)
{
    unsigned found = 0;
    for (unsigned i = 1; i < info.shnum; ++i) {
        if (!names_equal(info.section_name(i), name))
            continue;
        if (found)
            return make_error(LKM_ENOEXEC, "duplicate special section", "%s (sections %u and %u)", name, found, i);
        found = i;
    }
    return found;
}

constexpr uint64_t init_field_offset = __builtin_offsetof(lkm_this_module, init);
constexpr uint64_t exit_field_offset = __builtin_offsetof(lkm_this_module, exit);

// init and exit: where the R_X86_64_64 relocations of this_module's init/exit fields point.
ErrorOr<void> find_entry_points(load_info& info)
{
    for (unsigned r = 1; r < info.shnum; ++r) {
        const Elf64_Shdr& relsec = info.sechdrs[r];
        if (relsec.sh_type != SHT_RELA || relsec.sh_info != info.index.mod)
            continue;
        const Elf64_Rela* rela = reinterpret_cast<const Elf64_Rela*>(info.section_data(r));
        for (size_t i = 0; i < relsec.sh_size / sizeof(Elf64_Rela); ++i) {
            uint64_t offset = rela[i].r_offset;
            if (offset + 8 <= init_field_offset || offset >= exit_field_offset + 8)
                continue; // name or ABI fields: not ours to interpret
            EntryPoint& entry = offset == init_field_offset ? info.init : info.exit;
            if ((offset != init_field_offset && offset != exit_field_offset)
                || elf64_r_type(rela[i].r_info) != R_X86_64_64)
                return make_error(LKM_ENOEXEC, "this_module's init/exit must be R_X86_64_64 relocations",
                    "%s at .gnu.linkonce.this_module+0x%llx", x86_64_relocation_name(elf64_r_type(rela[i].r_info)),
                    static_cast<unsigned long long>(offset));
            if (entry.present)
                return make_error(LKM_ENOEXEC, "this_module's init/exit relocated twice",
                    ".gnu.linkonce.this_module+0x%llx", static_cast<unsigned long long>(offset));
            const Elf64_Sym& sym = info.symtab[elf64_r_sym(rela[i].r_info)];
            entry.present = true;
            entry.section = sym.st_shndx < info.shnum ? sym.st_shndx : 0;
            entry.offset = sym.st_value + static_cast<uint64_t>(rela[i].r_addend);
        }
    }
    return {};
}

} // namespace

ErrorOr<void> find_modinfo(load_info& info)
{
    if (!info.validated)
        return Error::from_errno(LKM_EINVAL, "find_modinfo before elf_validity_check");
    unsigned index = TRY(find_unique_section(info, ".modinfo"));
    if (index) {
        const Elf64_Shdr& modinfo = info.sechdrs[index];
        if (modinfo.sh_type == SHT_NOBITS)
            return make_error(LKM_ENOEXEC, ".modinfo has no file data", "sh_type SHT_NOBITS");
        if (modinfo.sh_size != 0 && info.section_data(index)[modinfo.sh_size - 1] != '\0')
            return make_error(LKM_ENOEXEC, ".modinfo not NUL-terminated", "%llu bytes",
                static_cast<unsigned long long>(modinfo.sh_size));
    }
    info.index.info = index; // only once it is safe to read: get_modinfo relies on it
    return {};
}

ErrorOr<void> setup_load_info(load_info& info)
{
    if (!info.validated)
        return Error::from_errno(LKM_EINVAL, "setup_load_info before elf_validity_check");

    info.index.mod = TRY(find_unique_section(info, ".gnu.linkonce.this_module"));
    if (info.index.mod == 0)
        return make_error(LKM_ENOEXEC, "no module found in object", "missing .gnu.linkonce.this_module section");
    const Elf64_Shdr& mod = info.sechdrs[info.index.mod];
    if (mod.sh_type != SHT_PROGBITS || !(mod.sh_flags & SHF_ALLOC) || mod.sh_size != sizeof(lkm_this_module))
        return make_error(LKM_ENOEXEC, ".gnu.linkonce.this_module is not a struct lkm_this_module",
            "sh_type %u, sh_flags 0x%llx, %llu bytes (expected %zu)", mod.sh_type,
            static_cast<unsigned long long>(mod.sh_flags), static_cast<unsigned long long>(mod.sh_size),
            sizeof(lkm_this_module));
    lkm_this_module this_module;
    __builtin_memcpy(&this_module, info.section_data(info.index.mod), sizeof this_module);
    if (this_module.abi_version != LKM_THIS_MODULE_ABI)
        return make_error(LKM_ENOEXEC, "module ABI version mismatch", "module has %u, loader expects %u",
            this_module.abi_version, LKM_THIS_MODULE_ABI);
    size_t name_length = 0;
    while (name_length < LKM_MODULE_NAME_LEN && this_module.name[name_length])
        ++name_length;
    if (name_length == 0 || name_length == LKM_MODULE_NAME_LEN)
        return make_error(LKM_ENOEXEC, "module name empty or not NUL-terminated", "%zu bytes", name_length);
    __builtin_memcpy(info.name, this_module.name, name_length + 1);
    if (this_module.init != 0 || this_module.exit != 0)
        return make_error(LKM_ENOEXEC, "this_module's init/exit must be zero before relocation",
            "init 0x%llx, exit 0x%llx", static_cast<unsigned long long>(this_module.init),
            static_cast<unsigned long long>(this_module.exit));

    TRY(find_modinfo(info));
    info.license = get_modinfo(info, "license");
    info.gpl_compatible = license_is_gpl_compatible(info.license);

    info.index.ksymtab = TRY(find_unique_section(info, "__ksymtab"));
    info.index.ksymtab_gpl = TRY(find_unique_section(info, "__ksymtab_gpl"));
    info.index.param = TRY(find_unique_section(info, "__param"));
    info.index.ctors = TRY(find_unique_section(info, ".init_array"));
    info.index.kunit_suites = TRY(find_unique_section(info, LKM_KUNIT_TEST_SUITES_SECTION));
    // As Linux: MODULE_INIT_IGNORE_MODVERSIONS pretends there is no __versions.
    unsigned versions = TRY(find_unique_section(info, "__versions"));
    info.index.vers = info.flags & LKM_MODULE_INIT_IGNORE_MODVERSIONS ? 0 : versions;
    info.index.kcrctab = TRY(find_unique_section(info, "__kcrctab"));
    info.index.kcrctab_gpl = TRY(find_unique_section(info, "__kcrctab_gpl"));
    TRY(find_entry_points(info));
    return {};
}

} // namespace lkm
