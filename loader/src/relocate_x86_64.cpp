// Stage 6: apply RELA relocations (Linux's apply_relocate_add for x86-64) by the relocation table
// (loader/relocation.h), as lld does: the type's expression kind gives the value, its range check
// says whether the value fits the field, then the field is written. elf_validity_check has
// already refused the types the loader does not apply and offsets outside their section, so only
// values can fail here.
#include <loader/format.h>
#include <loader/loader.h>

namespace lkm {

using namespace elf;

namespace {

#define LKM_RELOCATION_ROW(row_name, number, bytes, kind, range)                                   \
    RelocationType { number, #row_name, "relocation " #row_name " out of range", bytes, RelExpr::kind, RangeCheck::range },
constexpr RelocationType rows[] = { LKM_X86_64_RELOCATIONS(LKM_RELOCATION_ROW) };
#undef LKM_RELOCATION_ROW

constexpr uint32_t highest_type()
{
    uint32_t highest = 0;
    for (const RelocationType& row : rows)
        highest = row.type > highest ? row.type : highest;
    return highest;
}

// The rows indexed by type number (the numbers are small and nearly dense), so that finding a
// relocation's row is one load on the hot path.
struct Table {
    RelocationType by_type[highest_type() + 1];
};

constexpr Table make_table()
{
    Table table {};
    for (const RelocationType& row : rows)
        table.by_type[row.type] = row;
    return table;
}

constexpr Table table = make_table();

// One store of the field's width, little-endian whatever the host, at any alignment (relocation
// offsets need not be aligned).
template<typename Field>
void store_le(uint8_t* location, Field value)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = sizeof value == 8 ? __builtin_bswap64(value) : __builtin_bswap32(value);
#endif
    __builtin_memcpy(location, &value, sizeof value);
}

// Applied types have 4- or 8-byte fields (R_X86_64_NONE, 0, writes nothing).
void write_field(uint8_t* location, uint64_t value, uint8_t width)
{
    if (width == 8)
        store_le<uint64_t>(location, value);
    else if (width == 4)
        store_le<uint32_t>(location, static_cast<uint32_t>(value));
}

bool fits(RangeCheck check, uint64_t value)
{
    switch (check) {
    case RangeCheck::none:
        return true;
    case RangeCheck::int32:
        return static_cast<int64_t>(value) == static_cast<int32_t>(value);
    case RangeCheck::uint32:
        return (value >> 32) == 0;
    }
    return false;
}

// -mcmodel=kernel code runs in, and refers to, the top 2 GiB: addresses that sign-extend from 32
// bits (the kernel image and the module area).
bool in_top_2gib(uint64_t address) { return address >= 0xffffffff80000000ull; }

// Named only where the code model is the cause of the overflow (elsewhere the target's address is):
// - R_X86_64_32 zero-extends, so it holds a top-2-GiB address only if built for another model
//   (small and medium address absolute symbols with it; -mcmodel=kernel uses R_X86_64_32S);
// - between two top-2-GiB addresses any PC-relative distance fits, so a target there is out of
//   reach only from a module placed outside them.
const char* code_model_hint(const RelocationType& howto, uint64_t target)
{
    if (!in_top_2gib(target))
        return "";
    if (howto.expr == RelExpr::abs && howto.check == RangeCheck::uint32)
        return "; kernel addresses need -mcmodel=kernel";
    if (howto.expr == RelExpr::pc || howto.expr == RelExpr::plt_pc)
        return "; -mcmodel=kernel code must run in the top 2 GiB";
    return "";
}

// lld's form: "relocation R_X86_64_PC32 out of range: V is not in [lo, hi]; references 'sym'",
// then where (section + offset) and, if it is the cause, the code model.
__attribute__((cold, noinline)) Error out_of_range(const load_info& info, unsigned target_section, const Elf64_Rela& rela,
    const RelocationType& howto, uint64_t value, uint64_t target)
{
    char range[64];
    if (howto.check == RangeCheck::uint32)
        format(range, sizeof range, "%llu is not in [0, %llu]", static_cast<unsigned long long>(value), 0xffffffffull);
    else
        format(range, sizeof range, "%lld is not in [%lld, %lld]", static_cast<long long>(value), -0x80000000ll, 0x7fffffffll);
    uint32_t sym = elf64_r_sym(rela.r_info);
    const Elf64_Sym& symbol = info.symtab[sym];
    char referent[80];
    // A section symbol has no name of its own: name its section.
    if (elf64_st_type(symbol.st_info) == STT_SECTION && symbol.st_shndx != SHN_UNDEF && symbol.st_shndx < info.shnum)
        format(referent, sizeof referent, "section '%s'", info.section_name(symbol.st_shndx));
    else if (info.symbol_name(sym)[0] == '\0')
        format(referent, sizeof referent, "symbol %u", sym);
    else
        format(referent, sizeof referent, "'%s'", info.symbol_name(sym));
    return make_error(LKM_ENOEXEC, howto.out_of_range, "%s; references %s at %s+0x%llx%s", range, referent,
        info.section_name(target_section), static_cast<unsigned long long>(rela.r_offset), code_model_hint(howto, target));
}

__attribute__((cold, noinline)) Error bad_branch_addend(const load_info& info, unsigned target_section, const Elf64_Rela& rela)
{
    return make_error(LKM_ENOEXEC, "relocation R_X86_64_PLT32 branches into the middle of an imported function",
        "'%s' with addend %lld at %s+0x%llx (a call's is -4)", info.symbol_name(elf64_r_sym(rela.r_info)),
        static_cast<long long>(rela.r_addend), info.section_name(target_section),
        static_cast<unsigned long long>(rela.r_offset));
}

} // namespace

const RelocationType* x86_64_relocation(uint32_t type)
{
    if (type >= sizeof table.by_type / sizeof table.by_type[0] || !table.by_type[type].name)
        return nullptr;
    return &table.by_type[type];
}

const char* x86_64_relocation_name(uint32_t type)
{
    const RelocationType* row = x86_64_relocation(type);
    return row ? row->name : nullptr;
}

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
        uint32_t type = elf64_r_type(rela[i].r_info);
        const RelocationType* howto = x86_64_relocation(type);
        uint64_t place = base_address + rela[i].r_offset;
        uint64_t s_plus_a = info.symbol_value[elf64_r_sym(rela[i].r_info)] + static_cast<uint64_t>(rela[i].r_addend);
        uint64_t value;
        switch (howto ? howto->expr : RelExpr::unsupported) {
        case RelExpr::none:
            ++info.relocations_applied;
            continue;
        case RelExpr::abs:
            value = s_plus_a;
            break;
        case RelExpr::plt_pc:
            // A call or jump to a function of the kernel or of another module is `call sym`, whose
            // addend is -4 (the field is the instruction's last 4 bytes). Any other addend lands in
            // the middle of a function the module knows nothing of, which then runs with whatever
            // registers and stack it finds: refused (a damaged relocation, issue #16's fuzzing).
            if (info.symtab[elf64_r_sym(rela[i].r_info)].st_shndx == SHN_UNDEF && rela[i].r_addend != -4)
                return bad_branch_addend(info, target, rela[i]);
            value = s_plus_a - place;
            break;
        case RelExpr::pc:
            value = s_plus_a - place;
            break;
        default: // elf_validity_check refuses every other type; reaching here is a loader bug
            return make_error(LKM_ENOEXEC, "unsupported relocation type", "type %u", type);
        }
        if (!fits(howto->check, value))
            return out_of_range(info, target, rela[i], *howto, value, s_plus_a);
        write_field(base + rela[i].r_offset, value, howto->width);
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
