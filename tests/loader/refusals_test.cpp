// The loader's refusals of corrupted relocation targets, string tables and __param entries
// (issue #16, item 4): each would otherwise let a module run unrelocated or let parse_args read
// or write through a bad pointer. Each test starts from a valid object and breaks one thing.
#include "support.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace lkm;
using namespace lkm::test;
using namespace lkm::elf;

namespace {

std::string validate(Image& image)
{
    HostAllocator allocator;
    load_info info(image.data(), image.size(), allocator);
    auto result = elf_validity_check(info);
    return result.is_error() ? describe(result.error()) : "";
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

} // namespace

TEST_CASE("a relocation section must apply to a section with data to relocate", "[validity][refusals]")
{
    Image image = Image::load("hello.clang.o");
    unsigned rela_text = image.section_index(".rela.text");
    SECTION("itself")
    {
        image.section(rela_text).sh_info = rela_text;
        CHECK(validate(image) == "ENOEXEC: relocation section applies to itself: .rela.text (section "
                + std::to_string(rela_text) + "): sh_info " + std::to_string(rela_text));
    }
    SECTION("the symbol table")
    {
        unsigned symtab = image.section_index(".symtab");
        image.section(rela_text).sh_info = symtab;
        CHECK(validate(image) == "ENOEXEC: relocation section applies to a section with nothing to relocate: "
                ".rela.text: sh_info " + std::to_string(symtab) + " is .symtab (sh_type 2)");
    }
    SECTION("a string table")
    {
        unsigned strtab = image.section_index(".strtab");
        image.section(rela_text).sh_info = strtab;
        CHECK(validate(image) == "ENOEXEC: relocation section applies to a section with nothing to relocate: "
                ".rela.text: sh_info " + std::to_string(strtab) + " is .strtab (sh_type 3)");
    }
    SECTION("another relocation section")
    {
        unsigned rela_init = image.section_index(".rela.init.text");
        image.section(rela_text).sh_info = rela_init;
        CHECK(validate(image) == "ENOEXEC: relocation section applies to a section with nothing to relocate: "
                ".rela.text: sh_info " + std::to_string(rela_init) + " is .rela.init.text (sh_type 4)");
    }
    SECTION("a section another relocation section already applies to")
    {
        image.section(".rela.init.text").sh_info = image.section_index(".text");
        CHECK(validate(image) == "ENOEXEC: two relocation sections apply to one section: .rela.text and .rela.init.text both apply to .text");
    }
    SECTION("relocations of debug info (not SHF_ALLOC) are still accepted and skipped, as Linux does")
    {
        CHECK(validate(image) == "");
    }
}

TEST_CASE("every string table must be NUL-terminated, __ksymtab_strings a run of whole strings", "[validity][refusals]")
{
    Image image = Image::load("hello.clang.o");
    SECTION("a string table nothing uses")
    {
        Elf64_Shdr& comment = image.section(".comment");
        comment.sh_type = SHT_STRTAB;
        image.data()[comment.sh_offset + comment.sh_size - 1] = 'x';
        CHECK(validate(image) == "ENOEXEC: string table not NUL-terminated: .comment: section "
                + std::to_string(image.section_index(".comment")));
    }
    SECTION("__ksymtab_strings cut in the middle of a name")
    {
        Elf64_Shdr& strings = image.section("__ksymtab_strings");
        strings.sh_size -= 1;
        unsigned index = image.section_index("__ksymtab_strings");
        uint8_t last = image.data()[strings.sh_offset + strings.sh_size - 1];
        char expected[160];
        std::snprintf(expected, sizeof expected,
            "ENOEXEC: __ksymtab_strings is not a table of NUL-terminated strings: section %u: sh_type 1, %llu bytes, last byte 0x%02x",
            index, static_cast<unsigned long long>(strings.sh_size), last);
        CHECK(validate(image) == expected);
    }
    SECTION("__ksymtab_strings without file data")
    {
        image.section("__ksymtab_strings").sh_type = SHT_NOBITS;
        CHECK(starts_with(validate(image), "ENOEXEC: __ksymtab_strings is not a table of NUL-terminated strings: section "));
    }
}

TEST_CASE("__param entries are checked before the kernel trusts them", "[link][refusals]")
{
    Image image = Image::load("hello.clang.o");
    Elf64_Shdr& param = image.section("__param");
    uint8_t* entry = image.data() + param.sh_offset;
    SECTION("a valid table links")
    {
        CHECK(link(std::move(image))->error_text() == "");
    }
    SECTION("name relocated outside the module")
    {
        image.rela_at("__param", 0).r_addend += 0x10000000;
        CHECK(starts_with(link(std::move(image))->error_text(),
            "ENOEXEC: module parameter's name is not a string inside the module: __param entry 0: name at 0x"));
    }
    SECTION("unknown type")
    {
        uint32_t type = 9;
        std::memcpy(entry + 16, &type, sizeof type);
        CHECK(link(std::move(image))->error_text()
            == "ENOEXEC: module parameter of an unknown type: verbose (__param entry 0): type 9");
    }
    SECTION("variable relocated outside the module")
    {
        image.rela_at("__param", 8).r_addend += 0x10000000;
        CHECK(starts_with(link(std::move(image))->error_text(),
            "ENOEXEC: module parameter's variable is not in the module's writable data: verbose (__param entry 0): 4 bytes at 0x"));
    }
    SECTION("variable in the module's code")
    {
        Elf64_Rela& arg = image.rela_at("__param", 8);
        arg.r_info = elf64_r_info(image.symbol_index("hello_add"), elf64_r_type(arg.r_info));
        arg.r_addend = 0;
        CHECK(starts_with(link(std::move(image))->error_text(),
            "ENOEXEC: module parameter's variable is not in the module's writable data: verbose (__param entry 0): 4 bytes at 0x"));
    }
    SECTION("an array larger than the module's data")
    {
        uint32_t max_elems = 0x100000;
        std::memcpy(entry + 20, &max_elems, sizeof max_elems);
        CHECK(starts_with(link(std::move(image))->error_text(),
            "ENOEXEC: module parameter's variable is not in the module's writable data: verbose (__param entry 0): 4194304 bytes at 0x"));
    }
    SECTION("an element count for a scalar")
    {
        uint64_t num = 0xffffffffa0001000ull;
        std::memcpy(entry + 24, &num, sizeof num);
        CHECK(link(std::move(image))->error_text()
            == "ENOEXEC: module parameter's element count is not an array's, in the module's writable data: verbose "
               "(__param entry 0): num at 0xffffffffa0001000, max_elems 0");
    }
}
