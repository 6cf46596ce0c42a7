// elf_validity_check and setup_load_info: every rejection, with its exact errno and message.
// Each test starts from a valid object and breaks one thing.
#include "support.h"

#include <catch2/catch.hpp>

using namespace lkm;
using namespace lkm::test;
using namespace lkm::elf;

namespace {

std::string check(Image& image)
{
    HostAllocator allocator;
    load_info info(image.data(), image.size(), allocator);
    auto result = elf_validity_check(info);
    if (!result.is_error())
        result = setup_load_info(info);
    return result.is_error() ? describe(result.error()) : "";
}

std::string check(Image&& image) { return check(image); }

} // namespace

TEST_CASE("valid objects from every producer pass validation", "[validity]")
{
    for (const auto& producer : producers())
        for (const char* name : { "hello", "relocs", "proprietary" }) {
            INFO(name << "." << producer);
            CHECK(check(Image::load(std::string(name) + "." + producer + ".o")) == "");
        }
}

TEST_CASE("every truncation of a module is rejected without reading past the end", "[validity]")
{
    Image full = Image::load("hello.clang.o");
    std::vector<uint8_t> bytes(full.data(), full.data() + full.size());
    for (size_t length = 0; length < bytes.size(); ++length) {
        // A fresh copy exactly `length` bytes long, so ASan would see any read past it.
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
        Image truncated(prefix);
        INFO("length " << length);
        CHECK(check(truncated) != "");
    }
}

TEST_CASE("ELF header checks", "[validity]")
{
    Image image = Image::load("hello.clang.o");
    SECTION("shorter than a header")
    {
        image.truncate(10);
        CHECK(check(image) == "ENOEXEC: truncated ELF header: 10 bytes, the ELF header needs 64");
    }
    SECTION("magic")
    {
        image.data()[1] = 'X';
        CHECK(check(image) == "ENOEXEC: not an ELF file: bad magic 7f 58 4c 46");
    }
    SECTION("class")
    {
        image.data()[EI_CLASS] = 1;
        CHECK(check(image) == "ENOEXEC: not a 64-bit ELF: EI_CLASS 1");
    }
    SECTION("byte order")
    {
        image.data()[EI_DATA] = 2;
        CHECK(check(image) == "ENOEXEC: not a little-endian ELF: EI_DATA 2");
    }
    SECTION("version")
    {
        image.header().e_version = 2;
        CHECK(check(image) == "ENOEXEC: unknown ELF version: EI_VERSION 1, e_version 2");
    }
    SECTION("machine")
    {
        image.header().e_machine = 3; // EM_386
        CHECK(check(image) == "ENOEXEC: not an x86-64 object: e_machine 3");
    }
    SECTION("type")
    {
        image.header().e_type = 2; // ET_EXEC
        CHECK(check(image) == "ENOEXEC: not a relocatable object (ET_REL): e_type 2");
    }
    SECTION("header size")
    {
        image.header().e_ehsize = 52;
        CHECK(check(image) == "ENOEXEC: bad ELF header size: e_ehsize 52");
    }
    SECTION("section header size")
    {
        image.header().e_shentsize = 40;
        CHECK(check(image) == "ENOEXEC: bad section header size: e_shentsize 40");
    }
    SECTION("no sections")
    {
        image.header().e_shnum = 0;
        CHECK(check(image).rfind("ENOEXEC: no section headers (or extended numbering, unsupported)", 0) == 0);
    }
    SECTION("section table misaligned")
    {
        image.header().e_shoff += 4;
        CHECK(check(image).rfind("ENOEXEC: misaligned section header table: e_shoff 0x", 0) == 0);
    }
    SECTION("section table past the end")
    {
        image.header().e_shoff = image.size();
        CHECK(check(image).rfind("ENOEXEC: section header table outside the file", 0) == 0);
    }
    SECTION("section table offset that wraps around")
    {
        image.header().e_shoff = ~uint64_t(7);
        CHECK(check(image).rfind("ENOEXEC: section header table outside the file", 0) == 0);
    }
    SECTION("section name table index")
    {
        image.header().e_shstrndx = image.header().e_shnum;
        CHECK(check(image) == "ENOEXEC: section name table index out of range: e_shstrndx 27 of 27 sections");
    }
    SECTION("buffer alignment")
    {
        HostAllocator allocator;
        load_info info(image.data() + 1, image.size() - 1, allocator);
        auto result = elf_validity_check(info);
        REQUIRE(result.is_error());
        CHECK(describe(result.error()) == "EINVAL: module image buffer is not 8-byte aligned");
    }
}

TEST_CASE("section header checks", "[validity]")
{
    Image image = Image::load("hello.clang.o");
    SECTION("section data outside the file")
    {
        image.section(".data").sh_offset = image.size() - 4;
        CHECK(check(image).rfind("ENOEXEC: section outside the file: section 8: offset 0x", 0) == 0);
    }
    SECTION("section size that wraps around")
    {
        image.section(".data").sh_size = ~uint64_t(0);
        CHECK(check(image).rfind("ENOEXEC: section outside the file: section 8:", 0) == 0);
    }
    SECTION("section name table not terminated")
    {
        Elf64_Shdr& names = image.section(image.header().e_shstrndx);
        image.data()[names.sh_offset + names.sh_size - 1] = 'x';
        CHECK(check(image) == "ENOEXEC: string table not NUL-terminated: section names: section 1");
    }
    SECTION("section name table of the wrong type")
    {
        image.section(image.header().e_shstrndx).sh_type = SHT_PROGBITS;
        CHECK(check(image) == "ENOEXEC: string table has the wrong type: section names: section 1 has sh_type 1");
    }
    SECTION("section name out of range")
    {
        image.section(".data").sh_name = 0x10000;
        CHECK(check(image) == "ENOEXEC: section name offset out of range: section 8: sh_name 65536, table 634 bytes");
    }
    SECTION("section 0's name out of range (fuzzer finding: overflow messages print section names)")
    {
        image.section(0).sh_name = 0x10000;
        CHECK(check(image) == "ENOEXEC: section name offset out of range: section 0: sh_name 65536, table 634 bytes");
    }
    SECTION("alignment not a power of two")
    {
        image.section(".data").sh_addralign = 12;
        CHECK(check(image) == "ENOEXEC: section alignment not a power of two: .data: sh_addralign 12");
    }
    SECTION("alignment above a page")
    {
        image.section(".data").sh_addralign = 8192;
        CHECK(check(image) == "ENOEXEC: section alignment above the page size: .data: sh_addralign 8192");
    }
    SECTION("sh_link out of range")
    {
        image.section(".rela.text").sh_link = 99;
        CHECK(check(image) == "ENOEXEC: sh_link out of range: .rela.text: sh_link 99 of 27 sections");
    }
    SECTION("relocation target (sh_info) out of range")
    {
        image.section(".rela.text").sh_info = 27;
        CHECK(check(image) == "ENOEXEC: relocation section's target out of range: .rela.text: sh_info 27 of 27 sections");
    }
    SECTION("writable and executable")
    {
        image.section(".text").sh_flags |= SHF_WRITE;
        CHECK(check(image) == "ENOEXEC: section is both writable and executable (W^X): .text (section 2)");
    }
    SECTION("thread-local storage")
    {
        image.section(".data").sh_flags |= SHF_TLS;
        CHECK(check(image) == "ENOEXEC: thread-local storage is unsupported in modules: .data");
    }
    SECTION("REL instead of RELA")
    {
        image.section(".rela.text").sh_type = SHT_REL;
        CHECK(check(image) == "ENOEXEC: SHT_REL relocations are unsupported on x86-64 (RELA only): .rela.text");
    }
    SECTION("unknown allocated section type")
    {
        image.section(".rodata").sh_type = 0x60000001;
        CHECK(check(image) == "ENOEXEC: unsupported allocated section type: .rodata: sh_type 0x60000001");
    }
    SECTION("static destructors")
    {
        image.section(".data").sh_type = SHT_FINI_ARRAY;
        CHECK(check(image) == "ENOEXEC: static destructors (fini/preinit arrays) are unsupported in modules: .data");
    }
    SECTION("two sections sharing file bytes")
    {
        image.section(".data").sh_offset = image.section(".text").sh_offset;
        CHECK(check(image) == "ENOEXEC: sections overlap in the file: .text and .data");
    }
    SECTION("a section over the ELF header")
    {
        image.section(".data").sh_offset = 8;
        CHECK(check(image) == "ENOEXEC: section overlaps the ELF header: .data");
    }
    SECTION("a section over the section header table")
    {
        image.section(".data").sh_offset = image.header().e_shoff;
        CHECK(check(image) == "ENOEXEC: section overlaps the section header table: .data");
    }
    SECTION("two symbol tables")
    {
        image.section(".data").sh_type = SHT_SYMTAB;
        CHECK(check(image) == "ENOEXEC: more than one symbol table: .symtab (section 26) and section 8");
    }
}

TEST_CASE("symbol table checks", "[validity]")
{
    Image image = Image::load("hello.clang.o");
    SECTION("no symbol table")
    {
        image.section(".symtab").sh_type = SHT_PROGBITS;
        CHECK(check(image) == "ENOEXEC: module has no symbols (stripped?): no SHT_SYMTAB section");
    }
    SECTION("entry size")
    {
        image.section(".symtab").sh_entsize = 16;
        CHECK(check(image) == "ENOEXEC: bad symbol table entry size: .symtab: sh_entsize 16, sh_size 912");
    }
    SECTION("string table not terminated")
    {
        Elf64_Shdr& strtab = image.section(".strtab");
        image.data()[strtab.sh_offset + strtab.sh_size - 1] = 'x';
        // .strtab holds the section names too in clang's output.
        CHECK(check(image).rfind("ENOEXEC: string table not NUL-terminated", 0) == 0);
    }
    SECTION("first global index")
    {
        image.section(".symtab").sh_info = 1000;
        CHECK(check(image) == "ENOEXEC: symbol table's first global index out of range: .symtab: sh_info 1000 of 38 symbols");
    }
    SECTION("symbol name out of range")
    {
        image.symbol("hello_value").st_name = 0x100000;
        CHECK(check(image).rfind("ENOEXEC: symbol name offset out of range: symbol ", 0) == 0);
    }
    SECTION("the null symbol's name out of range (fuzzer finding: relocation messages print it)")
    {
        reinterpret_cast<Elf64_Sym*>(image.data() + image.section(".symtab").sh_offset)[0].st_name = 0x100000;
        CHECK(check(image) == "ENOEXEC: symbol name offset out of range: symbol 0: st_name 1048576, table 634 bytes");
    }
    SECTION("section index out of range")
    {
        image.symbol("hello_value").st_shndx = 200;
        unsigned index = image.symbol_index("hello_value");
        CHECK(check(image) == "ENOEXEC: symbol's section index out of range: 'hello_value' (symbol " + std::to_string(index)
                + "): st_shndx 200 of 27 sections");
    }
    SECTION("extended section index")
    {
        image.symbol("hello_value").st_shndx = SHN_XINDEX;
        CHECK(check(image) == "ENOEXEC: extended section index (SHN_XINDEX) is unsupported: symbol 'hello_value'");
    }
    SECTION("symbol past the end of its section")
    {
        image.symbol("hello_value").st_value = 0x100;
        CHECK(check(image) == "ENOEXEC: symbol lies past the end of its section: 'hello_value': value 0x100, .data is 0x8 bytes");
    }
    SECTION("thread-local symbol")
    {
        image.symbol("hello_value").st_info = (STB_GLOBAL << 4) | STT_TLS;
        CHECK(check(image) == "ENOEXEC: thread-local symbols are unsupported in modules: 'hello_value'");
    }
    SECTION("indirect function")
    {
        image.symbol("hello_add").st_info = (STB_GLOBAL << 4) | STT_GNU_IFUNC;
        CHECK(check(image) == "ENOEXEC: indirect functions (STT_GNU_IFUNC) are unsupported: 'hello_add'");
    }
}

TEST_CASE("common symbols are refused with a hint", "[validity]")
{
    for (const auto& producer : producers()) {
        INFO(producer);
        CHECK(check(Image::load("common." + producer + ".o")) == "ENOEXEC: common symbol: compile with -fno-common: 'common_counter'");
    }
}

TEST_CASE("relocation checks", "[validity]")
{
    Image image = Image::load("relocs.clang.o");
    SECTION("symbol index out of range")
    {
        Elf64_Rela& r = image.rela_at(".text", 0x8);
        r.r_info = elf64_r_info(500, elf64_r_type(r.r_info));
        CHECK(check(image).rfind("ENOEXEC: relocation's symbol index out of range: .rela.text entry 1: symbol 500 of ", 0) == 0);
    }
    SECTION("relocation past the end of its section")
    {
        uint64_t text_size = image.section(".text").sh_size;
        Elf64_Rela& r = image.rela_at(".text", 0x14); // R_X86_64_32
        r.r_offset = text_size - 2;
        char expected[160];
        snprintf(expected, sizeof expected,
            "ENOEXEC: relocation past the end of its section: R_X86_64_32 at .text+0x%llx (section is 0x%llx bytes)",
            static_cast<unsigned long long>(text_size - 2), static_cast<unsigned long long>(text_size));
        CHECK(check(image) == expected);
    }
    SECTION("relocation offset that wraps around")
    {
        image.rela_at(".data", 0x0).r_offset = ~uint64_t(3);
        CHECK(check(image) == "ENOEXEC: relocation past the end of its section: R_X86_64_64 at .data+0xfffffffffffffffc (section is 0x2c bytes)");
    }
    SECTION("unknown relocation type")
    {
        Elf64_Rela& r = image.rela_at(".text", 0x8);
        r.r_info = elf64_r_info(elf64_r_sym(r.r_info), 200);
        CHECK(check(image) == "ENOEXEC: unknown relocation type: type 200 at .text+0x8");
    }
    SECTION("known but unsupported relocation type")
    {
        Elf64_Rela& r = image.rela_at(".text", 0x8);
        r.r_info = elf64_r_info(elf64_r_sym(r.r_info), R_X86_64_PC8);
        CHECK(check(image) == "ENOEXEC: unsupported relocation type: R_X86_64_PC8 at .text+0x8 against 'ext_data'");
    }
    SECTION("relocation section not tied to the symbol table")
    {
        image.section(".rela.text").sh_link = image.section_index(".strtab");
        CHECK(check(image).rfind("ENOEXEC: relocation section does not use the symbol table: .rela.text: sh_link ", 0) == 0);
    }
    SECTION("relocation entry size")
    {
        image.section(".rela.text").sh_entsize = 16;
        CHECK(check(image) == "ENOEXEC: bad relocation entry size: .rela.text: sh_entsize 16, sh_size 96");
    }
    SECTION("relocations against .bss")
    {
        image = Image::load("hello.clang.o");
        image.section(".rela.text").sh_info = image.section_index(".bss");
        CHECK(check(image) == "ENOEXEC: relocations against a section without file data: .rela.text applies to .bss");
    }
}

TEST_CASE("GOT-relative relocations are refused by name", "[validity]")
{
    for (const auto& producer : producers()) {
        INFO(producer);
        CHECK(check(Image::load("got." + producer + ".o"))
            == "ENOEXEC: GOT relocations are unsupported: build modules with -fno-pic -mcmodel=kernel: "
               "R_X86_64_REX_GOTPCRELX at .text+0x3 against 'ext_data'");
    }
}

TEST_CASE("module structure checks (setup_load_info)", "[validity]")
{
    Image image = Image::load("hello.clang.o");
    Elf64_Shdr& mod = image.section(".gnu.linkonce.this_module");
    uint8_t* this_module = image.data() + mod.sh_offset;
    SECTION("no this_module")
    {
        mod.sh_name = image.section(".data").sh_name;
        CHECK(check(image) == "ENOEXEC: no module found in object: missing .gnu.linkonce.this_module section");
    }
    SECTION("this_module of the wrong size")
    {
        mod.sh_size = 64;
        image.section(".rela.gnu.linkonce.this_module").sh_type = SHT_NULL; // its entries are past 64
        CHECK(check(image)
            == "ENOEXEC: .gnu.linkonce.this_module is not a struct lkm_this_module: sh_type 1, sh_flags 0x3, 64 bytes (expected 80)");
    }
    SECTION("ABI version")
    {
        this_module[0] = 9;
        CHECK(check(image) == "ENOEXEC: module ABI version mismatch: module has 9, loader expects 1");
    }
    SECTION("name not terminated")
    {
        std::memset(this_module + 8, 'a', LKM_MODULE_NAME_LEN);
        CHECK(check(image) == "ENOEXEC: module name empty or not NUL-terminated: 56 bytes");
    }
    SECTION("init already filled in")
    {
        this_module[64] = 1;
        CHECK(check(image) == "ENOEXEC: this_module's init/exit must be zero before relocation: init 0x1, exit 0x0");
    }
    SECTION("init relocated with the wrong type")
    {
        Elf64_Rela& r = image.rela_at(".gnu.linkonce.this_module", 64);
        r.r_info = elf64_r_info(elf64_r_sym(r.r_info), R_X86_64_PC64);
        CHECK(check(image) == "ENOEXEC: this_module's init/exit must be R_X86_64_64 relocations: R_X86_64_PC64 at .gnu.linkonce.this_module+0x40");
    }
    SECTION(".modinfo not terminated")
    {
        Elf64_Shdr& modinfo = image.section(".modinfo");
        image.data()[modinfo.sh_offset + modinfo.sh_size - 1] = 'x';
        CHECK(check(image) == "ENOEXEC: .modinfo not NUL-terminated: " + std::to_string(modinfo.sh_size) + " bytes");
    }
    SECTION("a rejected .modinfo is not left for get_modinfo to read (fuzzer finding)")
    {
        Elf64_Shdr& modinfo = image.section(".modinfo");
        image.data()[modinfo.sh_offset + modinfo.sh_size - 1] = 'x';
        HostAllocator allocator;
        load_info info(image.data(), image.size(), allocator);
        REQUIRE(!elf_validity_check(info).is_error());
        REQUIRE(find_modinfo(info).is_error());
        CHECK(info.index.info == 0);
        CHECK(get_modinfo(info, "license") == nullptr);
    }
    SECTION("two .modinfo sections")
    {
        image.section(".rodata").sh_name = image.section(".modinfo").sh_name;
        CHECK(check(image) == "ENOEXEC: duplicate special section: .modinfo (sections 9 and 13)");
    }
}
