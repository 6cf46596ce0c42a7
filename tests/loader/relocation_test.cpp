// apply_relocate_add: each relocation type's exact result, and each narrowing's overflow message.
// relocs.c lists the relocations and their offsets.
#include "support.h"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace lkm;
using namespace lkm::test;

namespace {

constexpr uint64_t ext_func = kernel_base + 0x3000;
constexpr uint64_t ext_data = kernel_base + 0x4000;
constexpr uint64_t ext_low = 0x5000;

} // namespace

TEST_CASE("every supported relocation type, from both producers", "[relocation]")
{
    for (const auto& producer : producers()) {
        INFO(producer);
        auto linked = link(Image::load("relocs." + producer + ".o"));
        REQUIRE(linked->error_text() == "");
        const load_info& info = *linked->info;
        uint64_t text = 0, data = 0;
        for (unsigned i = 1; i < info.shnum; ++i) {
            if (std::string(info.section_name(i)) == ".text")
                text = info.section_address(i);
            if (std::string(info.section_name(i)) == ".data")
                data = info.section_address(i);
        }
        REQUIRE(text == module_base);
        auto code = linked->section_bytes(".text");
        auto table = linked->section_bytes(".data");

        // call ext_func@PLT: R_X86_64_PLT32, S + A - P with A = -4
        CHECK(code[0] == 0xe8);
        CHECK(read_u32(&code[1]) == static_cast<uint32_t>(ext_func - 4 - (text + 1)));
        // movq $ext_data, %rax: R_X86_64_32S
        CHECK(read_u32(&code[8]) == static_cast<uint32_t>(ext_data));
        // leaq ext_data(%rip), %rax: R_X86_64_PC32
        CHECK(read_u32(&code[0xf]) == static_cast<uint32_t>(ext_data - 4 - (text + 0xf)));
        // movl $ext_low, %eax: R_X86_64_32
        CHECK(read_u32(&code[0x14]) == ext_low);

        CHECK(read_u64(&table[0]) == ext_data + 16);                                     // R_X86_64_64
        CHECK(read_u64(&table[8]) == ext_data - (data + 8));                             // R_X86_64_PC64
        CHECK(read_u32(&table[0x10]) == static_cast<uint32_t>(ext_data - (data + 0x10))); // R_X86_64_PC32
        CHECK(read_u32(&table[0x14]) == 0x7fffffff);                                      // R_X86_64_32, SHN_ABS
        CHECK(read_u64(&table[0x18]) == 0x5a5a5a5a5a5a5a5aull);                           // R_X86_64_NONE
        CHECK(read_u64(&table[0x20]) == text + 3);                                        // R_X86_64_64, local
        CHECK(info.relocations_applied == (producer == "gcc" ? 13u : 12u)); // clang folds .long relocs_abs
    }
}

// Range errors are worded as lld words them ("relocation TYPE out of range: V is not in [lo, hi];
// references 'sym'"), then the place, then the -mcmodel=kernel hint only where the code model is
// the cause.
TEST_CASE("PC32 overflow: a module placed outside the top 2 GiB cannot reach the kernel", "[relocation]")
{
    // Core placed 2 GiB below the kernel: ext_func is put near the module, ext_data stays in the kernel.
    TableResolver resolver = kernel_symbols();
    resolver.add("ext_func", 0xffffffff00100000ull);
    auto linked = link(Image::load("relocs.clang.o"), resolver, TrialMemory(0xffffffff00000000ull));
    CHECK(linked->error_text()
        == "ENOEXEC: relocation R_X86_64_PC32 out of range: 2147500013 is not in [-2147483648, 2147483647]; "
           "references 'ext_data' at .text+0xf; -mcmodel=kernel code must run in the top 2 GiB");
}

TEST_CASE("PC32 at the edges of its range", "[relocation]")
{
    // .long ext_pc - . at .data+0x28: S - P must lie in [-2^31, 2^31).
    auto first = link(Image::load("relocs.clang.o"));
    REQUIRE(first->error_text() == "");
    uint64_t place = 0;
    for (unsigned i = 1; i < first->info->shnum; ++i)
        if (std::string(first->info->section_name(i)) == ".data")
            place = first->info->section_address(i) + 0x28;
    REQUIRE(place != 0);
    auto with_target = [&](uint64_t target) {
        TableResolver resolver = kernel_symbols();
        resolver.add("ext_pc", target);
        return link(Image::load("relocs.clang.o"), resolver);
    };
    auto highest = with_target(place + 0x7fffffff);
    REQUIRE(highest->error_text() == "");
    CHECK(read_u32(&highest->section_bytes(".data")[0x28]) == 0x7fffffffu);
    auto lowest = with_target(place - 0x80000000ull);
    REQUIRE(lowest->error_text() == "");
    CHECK(read_u32(&lowest->section_bytes(".data")[0x28]) == 0x80000000u);
    // Targets outside the top 2 GiB: their address is the cause, not the code model.
    CHECK(with_target(place + 0x80000000ull)->error_text()
        == "ENOEXEC: relocation R_X86_64_PC32 out of range: 2147483648 is not in [-2147483648, 2147483647]; "
           "references 'ext_pc' at .data+0x28");
    CHECK(with_target(place - 0x80000001ull)->error_text()
        == "ENOEXEC: relocation R_X86_64_PC32 out of range: -2147483649 is not in [-2147483648, 2147483647]; "
           "references 'ext_pc' at .data+0x28");
}

TEST_CASE("PLT32 overflow names the called symbol", "[relocation]")
{
    TableResolver resolver = kernel_symbols();
    resolver.add("ext_func", 0xffff888000000000ull);
    auto linked = link(Image::load("relocs.clang.o"), resolver);
    CHECK(linked->error_text()
        == "ENOEXEC: relocation R_X86_64_PLT32 out of range: -131390028906501 is not in [-2147483648, 2147483647]; "
           "references 'ext_func' at .text+0x1");
}

TEST_CASE("PLT32 at the edges of its range", "[relocation]")
{
    // call ext_func@PLT at .text+0x1: S - 4 - P must lie in [-2^31, 2^31).
    constexpr uint64_t place = module_base + 1;
    auto with_target = [&](uint64_t target) {
        TableResolver resolver = kernel_symbols();
        resolver.add("ext_func", target);
        return link(Image::load("relocs.clang.o"), resolver);
    };
    auto highest = with_target(place + 4 + 0x7fffffff);
    REQUIRE(highest->error_text() == "");
    CHECK(read_u32(&highest->section_bytes(".text")[1]) == 0x7fffffffu);
    auto lowest = with_target(place + 4 - 0x80000000ull);
    REQUIRE(lowest->error_text() == "");
    CHECK(read_u32(&lowest->section_bytes(".text")[1]) == 0x80000000u);
    CHECK(with_target(place + 4 + 0x80000000ull)->error_text()
        == "ENOEXEC: relocation R_X86_64_PLT32 out of range: 2147483648 is not in [-2147483648, 2147483647]; "
           "references 'ext_func' at .text+0x1");
    CHECK(with_target(place + 4 - 0x80000001ull)->error_text()
        == "ENOEXEC: relocation R_X86_64_PLT32 out of range: -2147483649 is not in [-2147483648, 2147483647]; "
           "references 'ext_func' at .text+0x1");
}

TEST_CASE("32S overflow: an address outside the top or bottom 2 GiB", "[relocation]")
{
    TableResolver resolver = kernel_symbols();
    resolver.add("ext_data", 0x80000000ull);
    auto linked = link(Image::load("relocs.clang.o"), resolver);
    CHECK(linked->error_text()
        == "ENOEXEC: relocation R_X86_64_32S out of range: 2147483648 is not in [-2147483648, 2147483647]; "
           "references 'ext_data' at .text+0x8");
}

TEST_CASE("32S at the edges of its range", "[relocation]")
{
    // movq $ext_data, %rax at .text+0x8: S must sign-extend from 32 bits. ext_data's PC-relative
    // references are turned into R_X86_64_NONE, so only the 32S is checked.
    auto with_value = [&](uint64_t value) {
        Image image = Image::load("relocs.clang.o");
        image.rela_at(".text", 0xf).r_info = elf::elf64_r_info(0, elf::R_X86_64_NONE);
        image.rela_at(".data", 0x10).r_info = elf::elf64_r_info(0, elf::R_X86_64_NONE);
        TableResolver resolver = kernel_symbols();
        resolver.add("ext_data", value);
        return link(std::move(image), resolver);
    };
    for (uint64_t value : { 0x7fffffffull, 0xffffffff80000000ull, 0ull }) {
        INFO(value);
        auto linked = with_value(value);
        REQUIRE(linked->error_text() == "");
        CHECK(read_u32(&linked->section_bytes(".text")[8]) == static_cast<uint32_t>(value));
    }
    CHECK(with_value(0xffffffff7fffffffull)->error_text()
        == "ENOEXEC: relocation R_X86_64_32S out of range: -2147483649 is not in [-2147483648, 2147483647]; "
           "references 'ext_data' at .text+0x8");
}

TEST_CASE("32 overflow: zero-extension cannot reach the address", "[relocation]")
{
    TableResolver resolver = kernel_symbols();
    resolver.add("ext_low", 0x100000000ull);
    auto linked = link(Image::load("relocs.clang.o"), resolver);
    CHECK(linked->error_text()
        == "ENOEXEC: relocation R_X86_64_32 out of range: 4294967296 is not in [0, 4294967295]; "
           "references 'ext_low' at .text+0x14");
    resolver.add("ext_low", 0xffffffffull);
    auto highest = link(Image::load("relocs.clang.o"), resolver);
    REQUIRE(highest->error_text() == "");
    CHECK(read_u32(&highest->section_bytes(".text")[0x14]) == 0xffffffffu);
    resolver.add("ext_low", 0);
    CHECK(link(Image::load("relocs.clang.o"), resolver)->error_text() == "");
}

TEST_CASE("32 overflow with a kernel address: the module was built for another code model", "[relocation]")
{
    // Small-model code (no -mcmodel=kernel) addresses symbols with zero-extended R_X86_64_32.
    TableResolver resolver = kernel_symbols();
    resolver.add("ext_low", kernel_base + 0x5000);
    auto linked = link(Image::load("relocs.clang.o"), resolver);
    CHECK(linked->error_text()
        == "ENOEXEC: relocation R_X86_64_32 out of range: 18446744071562088448 is not in [0, 4294967295]; "
           "references 'ext_low' at .text+0x14; kernel addresses need -mcmodel=kernel");
}

TEST_CASE("a range error against a section symbol names the section", "[relocation]")
{
    // hello's `movq $.str, ...` (R_X86_64_32S against .rodata.str1.1's section symbol at
    // .init.text+0x13) turned into the zero-extended R_X86_64_32 small-model code would use.
    auto unchanged = link(Image::load("hello.clang.o"));
    REQUIRE(unchanged->error_text() == "");
    uint64_t strings = unchanged->info->section_address(unchanged->image.section_index(".rodata.str1.1"));
    Image image = Image::load("hello.clang.o");
    elf::Elf64_Rela& r = image.rela_at(".init.text", 0x13);
    REQUIRE(elf::elf64_r_type(r.r_info) == elf::R_X86_64_32S);
    r.r_info = elf::elf64_r_info(elf::elf64_r_sym(r.r_info), elf::R_X86_64_32);
    uint64_t target = strings + r.r_addend;
    auto linked = link(std::move(image));
    CHECK(linked->error_text()
        == "ENOEXEC: relocation R_X86_64_32 out of range: " + std::to_string(target)
            + " is not in [0, 4294967295]; references section '.rodata.str1.1' at .init.text+0x13; "
              "kernel addresses need -mcmodel=kernel");
}

TEST_CASE("the relocation table: a row per psABI type, the applied ones with width, kind and range", "[relocation]")
{
    struct Applied {
        uint32_t type;
        uint8_t width;
        RelExpr expr;
        RangeCheck check;
    };
    const Applied applied[] = {
        { elf::R_X86_64_NONE, 0, RelExpr::none, RangeCheck::none },
        { elf::R_X86_64_64, 8, RelExpr::abs, RangeCheck::none },
        { elf::R_X86_64_PC32, 4, RelExpr::pc, RangeCheck::int32 },
        { elf::R_X86_64_PLT32, 4, RelExpr::plt_pc, RangeCheck::int32 },
        { elf::R_X86_64_32, 4, RelExpr::abs, RangeCheck::uint32 },
        { elf::R_X86_64_32S, 4, RelExpr::abs, RangeCheck::int32 },
        { elf::R_X86_64_PC64, 8, RelExpr::pc, RangeCheck::none },
    };
    const uint32_t got[] = { elf::R_X86_64_GOT32, elf::R_X86_64_GOTPCREL, elf::R_X86_64_GOTOFF64, elf::R_X86_64_GOTPC32,
        elf::R_X86_64_GOT64, elf::R_X86_64_GOTPCREL64, elf::R_X86_64_GOTPC64, elf::R_X86_64_GOTPLT64,
        elf::R_X86_64_PLTOFF64, elf::R_X86_64_GOTPCRELX, elf::R_X86_64_REX_GOTPCRELX };
    size_t rows = 0;
    for (uint32_t type = 0; type < 300; ++type) {
        INFO("type " << type);
        const RelocationType* row = x86_64_relocation(type);
        if (type > elf::R_X86_64_REX_GOTPCRELX || type == 39 || type == 40) {
            CHECK(row == nullptr);
            continue;
        }
        REQUIRE(row != nullptr);
        ++rows;
        CHECK(row->type == type);
        CHECK(std::string(row->out_of_range) == "relocation " + std::string(row->name) + " out of range");
        CHECK(x86_64_relocation_name(type) == row->name);
        const Applied* a = nullptr;
        for (const Applied& candidate : applied)
            if (candidate.type == type)
                a = &candidate;
        bool is_got = std::find(std::begin(got), std::end(got), type) != std::end(got);
        if (a) {
            CHECK(row->width == a->width);
            CHECK(row->expr == a->expr);
            CHECK(row->check == a->check);
        } else {
            CHECK(row->expr == (is_got ? RelExpr::got : RelExpr::unsupported));
            CHECK(row->check == RangeCheck::none);
        }
    }
    CHECK(rows == 41);
    CHECK(x86_64_relocation(UINT32_MAX) == nullptr);
}

TEST_CASE("relocation type names", "[relocation]")
{
    CHECK(std::string(x86_64_relocation_name(elf::R_X86_64_PC32)) == "R_X86_64_PC32");
    CHECK(std::string(x86_64_relocation_name(elf::R_X86_64_REX_GOTPCRELX)) == "R_X86_64_REX_GOTPCRELX");
    CHECK(x86_64_relocation_name(39) == nullptr);
    CHECK(x86_64_relocation_name(1000) == nullptr);
}

TEST_CASE("apply_relocate_add refuses a section that is not a loaded section's RELA", "[relocation]")
{
    auto linked = link(Image::load("relocs.clang.o"));
    REQUIRE(linked->error_text() == "");
    load_info& info = *linked->info;
    auto not_rela = apply_relocate_add(info, 1);
    REQUIRE(not_rela.is_error());
    CHECK(describe(not_rela.error()) == "EINVAL: apply_relocate_add: not a RELA section of a loaded section: section 1");
    CHECK(apply_relocate_add(info, info.shnum).is_error());
}
