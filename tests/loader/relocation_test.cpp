// apply_relocate_add: each relocation type's exact result, and each narrowing's overflow message.
// relocs.c lists the relocations and their offsets.
#include "support.h"

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

TEST_CASE("PC32 overflow: a target more than 2 GiB away", "[relocation]")
{
    // Core placed 2 GiB below the kernel: ext_func is put near the module, ext_data stays in the kernel.
    TableResolver resolver = kernel_symbols();
    resolver.add("ext_func", 0xffffffff00100000ull);
    auto linked = link(Image::load("relocs.clang.o"), resolver, TrialMemory(0xffffffff00000000ull));
    CHECK(linked->error_text()
        == "ENOEXEC: relocation overflow (module not built with -mcmodel=kernel, or target more than 2 GiB away?): "
           "R_X86_64_PC32 at .text+0xf against 'ext_data': value 0x80003fed");
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
    CHECK(with_target(place + 0x80000000ull)->error_text()
        == "ENOEXEC: relocation overflow (module not built with -mcmodel=kernel, or target more than 2 GiB away?): "
           "R_X86_64_PC32 at .data+0x28 against 'ext_pc': value 0x80000000");
    CHECK(with_target(place - 0x80000001ull)->error_text()
        == "ENOEXEC: relocation overflow (module not built with -mcmodel=kernel, or target more than 2 GiB away?): "
           "R_X86_64_PC32 at .data+0x28 against 'ext_pc': value 0xffffffff7fffffff");
}

TEST_CASE("PLT32 overflow names the called symbol", "[relocation]")
{
    TableResolver resolver = kernel_symbols();
    resolver.add("ext_func", 0xffff888000000000ull);
    auto linked = link(Image::load("relocs.clang.o"), resolver);
    CHECK(linked->error_text()
        == "ENOEXEC: relocation overflow (module not built with -mcmodel=kernel, or target more than 2 GiB away?): "
           "R_X86_64_PLT32 at .text+0x1 against 'ext_func': value 0xffff88805ffffffb");
}

TEST_CASE("32S overflow: an address outside the top or bottom 2 GiB", "[relocation]")
{
    TableResolver resolver = kernel_symbols();
    resolver.add("ext_data", 0x80000000ull);
    auto linked = link(Image::load("relocs.clang.o"), resolver);
    CHECK(linked->error_text()
        == "ENOEXEC: relocation overflow (module not built with -mcmodel=kernel, or target more than 2 GiB away?): "
           "R_X86_64_32S at .text+0x8 against 'ext_data': value 0x80000000");
}

TEST_CASE("32 overflow: zero-extension cannot reach the address", "[relocation]")
{
    TableResolver resolver = kernel_symbols();
    resolver.add("ext_low", 0x100000000ull);
    auto linked = link(Image::load("relocs.clang.o"), resolver);
    CHECK(linked->error_text()
        == "ENOEXEC: relocation overflow (module not built with -mcmodel=kernel, or target more than 2 GiB away?): "
           "R_X86_64_32 at .text+0x14 against 'ext_low': value 0x100000000");
    resolver.add("ext_low", 0xffffffffull);
    CHECK(link(Image::load("relocs.clang.o"), resolver)->error_text() == "");
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
