// Stage 6: apply RELA relocations (Linux's apply_relocate_add for x86-64, with lld's discipline:
// classify, compute, then check the narrowing and write). elf_validity_check has already refused
// unsupported types and offsets outside their section, so only values can fail here.
//
//   type            value (S symbol, A addend, P place)   check
//   R_X86_64_NONE   -                                     -
//   R_X86_64_64     S + A                                 -
//   R_X86_64_PC64   S + A - P                             -
//   R_X86_64_32     S + A                                 fits uint32 (zero-extends)
//   R_X86_64_32S    S + A                                 fits int32 (sign-extends)
//   R_X86_64_PC32   S + A - P                             fits int32
//   R_X86_64_PLT32  S + A - P (no PLT: calls go direct)   fits int32
#include <loader/format.h>
#include <loader/loader.h>

namespace lkm {

using namespace elf;

const char* x86_64_relocation_name(uint32_t type)
{
#define LKM_RELOCATION_NAME(name, value)                                                           \
    if (type == value)                                                                             \
        return #name;
    LKM_X86_64_RELOCATIONS(LKM_RELOCATION_NAME)
#undef LKM_RELOCATION_NAME
    return nullptr;
}

namespace {

void write_le(uint8_t* location, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        location[i] = static_cast<uint8_t>(value >> (8 * i));
}

Error overflow(const load_info& info, unsigned target, const Elf64_Rela& rela, uint64_t value)
{
    uint32_t sym = elf64_r_sym(rela.r_info);
    const char* name = info.symbol_name(sym);
    // A section symbol has no name of its own: name the section instead.
    if (name[0] == '\0' && info.symtab[sym].st_shndx != 0 && info.symtab[sym].st_shndx < info.shnum)
        name = info.section_name(info.symtab[sym].st_shndx);
    return make_error(LKM_ENOEXEC, "relocation overflow (module not built with -mcmodel=kernel, or target more than 2 GiB away?)",
        "%s at %s+0x%llx against '%s': value 0x%llx", x86_64_relocation_name(elf64_r_type(rela.r_info)),
        info.section_name(target), static_cast<unsigned long long>(rela.r_offset), name,
        static_cast<unsigned long long>(value));
}

} // namespace

ErrorOr<void> apply_relocate_add(load_info& info, unsigned relsec)
{
    if (!info.symbol_value.size())
        return Error::from_errno(LKM_EINVAL, "apply_relocate_add before simplify_symbols");
    if (relsec >= info.shnum || info.sechdrs[relsec].sh_type != SHT_RELA
        || info.placement[info.sechdrs[relsec].sh_info].region == Region::none)
        return make_error(LKM_EINVAL, "apply_relocate_add: not a RELA section of a loaded section", "section %u", relsec);
    const Elf64_Shdr& rel = info.sechdrs[relsec];
    unsigned target = rel.sh_info;
    uint8_t* base = info.section_memory(target);
    uint64_t base_address = info.section_address(target);
    const Elf64_Rela* rela = reinterpret_cast<const Elf64_Rela*>(info.section_data(relsec));
    size_t count = rel.sh_size / sizeof(Elf64_Rela);
    for (size_t i = 0; i < count; ++i) {
        uint8_t* location = base + rela[i].r_offset;
        uint64_t place = base_address + rela[i].r_offset;
        uint64_t value = info.symbol_value[elf64_r_sym(rela[i].r_info)] + static_cast<uint64_t>(rela[i].r_addend);
        switch (elf64_r_type(rela[i].r_info)) {
        case R_X86_64_NONE:
            break;
        case R_X86_64_64:
            write_le(location, value, 8);
            break;
        case R_X86_64_PC64:
            write_le(location, value - place, 8);
            break;
        case R_X86_64_32:
            if (value > 0xffffffffull)
                return overflow(info, target, rela[i], value);
            write_le(location, value, 4);
            break;
        case R_X86_64_32S:
            if (static_cast<int64_t>(value) != static_cast<int32_t>(value))
                return overflow(info, target, rela[i], value);
            write_le(location, value, 4);
            break;
        case R_X86_64_PC32:
        case R_X86_64_PLT32: {
            uint64_t relative = value - place;
            if (static_cast<int64_t>(relative) != static_cast<int32_t>(relative))
                return overflow(info, target, rela[i], relative);
            write_le(location, relative, 4);
            break;
        }
        default: // elf_validity_check refuses every other type; reaching here is a loader bug
            return make_error(LKM_ENOEXEC, "unsupported relocation type", "type %u",
                elf64_r_type(rela[i].r_info));
        }
        ++info.relocations_applied;
    }
    return {};
}

ErrorOr<void> apply_relocations(load_info& info)
{
    for (unsigned i = 1; i < info.shnum; ++i) {
        const Elf64_Shdr& s = info.sechdrs[i];
        if (s.sh_type != SHT_RELA || info.placement[s.sh_info].region == Region::none)
            continue; // relocations of unloaded sections (debug info, .modinfo) are not applied
        TRY(apply_relocate_add(info, i));
    }
    return {};
}

} // namespace lkm
