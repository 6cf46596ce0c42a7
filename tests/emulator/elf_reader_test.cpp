// ElfReader (emulator/support/elf_reader.h), the host's one ELF reader: a small relocatable
// file built here, read back; every header check worded as the kernel's boot errors are; every
// truncation and every corrupted offset an Error naming the file, never a crash.
#include "support/elf_reader.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cstring>
#include <string>
#include <vector>

using namespace lkmemu;
namespace elf = lkm::elf;

namespace {

// Sections: 0 null, 1 .text (4 bytes at run address 0x1000), 2 .rodata ("hi\0" at 0x2000),
// 3 .symtab (null + "start"), 4 .strtab, 5 .shstrtab.
std::vector<uint8_t> small_object()
{
    std::vector<uint8_t> file(sizeof(elf::Elf64_Ehdr));
    auto append = [&](const void* data, size_t size) {
        while (file.size() % 8)
            file.push_back(0);
        uint64_t const at = file.size();
        file.insert(file.end(), static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + size);
        return at;
    };
    uint8_t const text[] = { 0x90, 0x90, 0xc3, 0xcc };
    char const rodata[] = "hi";
    char const strtab[] = "\0start";
    char const shstrtab[] = "\0.text\0.rodata\0.symtab\0.strtab\0.shstrtab";
    elf::Elf64_Sym symbols[2] = {};
    symbols[1].st_name = 1;
    symbols[1].st_info = (elf::STB_GLOBAL << 4) | elf::STT_FUNC;
    symbols[1].st_shndx = 1;
    symbols[1].st_size = 4;
    uint64_t const text_at = append(text, sizeof text);
    uint64_t const rodata_at = append(rodata, sizeof rodata);
    uint64_t const symtab_at = append(symbols, sizeof symbols);
    uint64_t const strtab_at = append(strtab, sizeof strtab);
    uint64_t const shstrtab_at = append(shstrtab, sizeof shstrtab);

    elf::Elf64_Shdr sections[6] = {};
    sections[1] = { 1, elf::SHT_PROGBITS, elf::SHF_ALLOC | elf::SHF_EXECINSTR, 0x1000, text_at, sizeof text, 0, 0, 1, 0 };
    sections[2] = { 7, elf::SHT_PROGBITS, elf::SHF_ALLOC, 0x2000, rodata_at, sizeof rodata, 0, 0, 1, 0 };
    sections[3] = { 15, elf::SHT_SYMTAB, 0, 0, symtab_at, sizeof symbols, 4, 1, 8, sizeof(elf::Elf64_Sym) };
    sections[4] = { 23, elf::SHT_STRTAB, 0, 0, strtab_at, sizeof strtab, 0, 0, 1, 0 };
    sections[5] = { 31, elf::SHT_STRTAB, 0, 0, shstrtab_at, sizeof shstrtab, 0, 0, 1, 0 };
    uint64_t const shoff = append(sections, sizeof sections);

    elf::Elf64_Ehdr header {};
    std::memcpy(header.e_ident, "\x7f" "ELF", 4);
    header.e_ident[elf::EI_CLASS] = elf::ELFCLASS64;
    header.e_ident[elf::EI_DATA] = elf::ELFDATA2LSB;
    header.e_ident[elf::EI_VERSION] = elf::EV_CURRENT;
    header.e_type = elf::ET_REL;
    header.e_machine = elf::EM_X86_64;
    header.e_version = elf::EV_CURRENT;
    header.e_shoff = shoff;
    header.e_ehsize = sizeof header;
    header.e_shentsize = sizeof(elf::Elf64_Shdr);
    header.e_shnum = 6;
    header.e_shstrndx = 5;
    std::memcpy(file.data(), &header, sizeof header);
    return file;
}

elf::Elf64_Ehdr& header_of(std::vector<uint8_t>& file) { return *reinterpret_cast<elf::Elf64_Ehdr*>(file.data()); }

elf::Elf64_Shdr& section_of(std::vector<uint8_t>& file, size_t index)
{
    return reinterpret_cast<elf::Elf64_Shdr*>(file.data() + header_of(file).e_shoff)[index];
}

std::string parse_error(std::vector<uint8_t> file, std::optional<uint16_t> type = std::nullopt)
{
    auto reader = ElfReader::parse("module 'x.ko'", std::move(file), type);
    REQUIRE(reader.is_error());
    return reader.error().message;
}

} // namespace

TEST_CASE("a well-formed file reads back: sections, names, contents, symbols, addresses", "[elf]")
{
    auto parsed = ElfReader::parse("module 'x.ko'", small_object(), elf::ET_REL);
    REQUIRE_FALSE(parsed.is_error());
    auto const& reader = parsed.value();
    REQUIRE(reader.sections().size() == 6);
    CHECK(reader.section_name(1).value() == ".text");
    CHECK(reader.find_section(".rodata") == std::optional<size_t>(2));
    CHECK_FALSE(reader.find_section(".data"));
    auto const text = reader.contents(1);
    REQUIRE_FALSE(text.is_error());
    CHECK(text.value().size() == 4);
    CHECK(text.value()[2] == 0xc3);

    auto const symbols = reader.symbols(3);
    REQUIRE_FALSE(symbols.is_error());
    REQUIRE(symbols.value().size() == 2);
    CHECK(reader.symbol_name(3, symbols.value()[1]).value() == "start");

    CHECK(reader.string_at_address(0x2000).value() == "hi");
    CHECK(reader.at_address(0x1001, 2).value()[1] == 0xc3);
    CHECK(reader.at_address(0x1002, 4).error().message == "module 'x.ko': [0x1002, 0x1006) runs past the end of section 1");
    CHECK(reader.at_address(0x3000, 1).error().message ==
          "module 'x.ko': no allocated section with contents holds address 0x3000");
}

TEST_CASE("header checks are worded as the kernel's boot errors", "[elf]")
{
    CHECK(parse_error({ 'E', 'L', 'F' }) == "module 'x.ko': not an ELF file (bad magic)");
    auto file = small_object();
    CHECK(parse_error(std::vector<uint8_t>(file.begin(), file.begin() + 40)) ==
          "module 'x.ko': truncated: 40 bytes, shorter than an ELF64 header");
    auto elf32 = file;
    elf32[elf::EI_CLASS] = 1;
    CHECK(parse_error(elf32) == "module 'x.ko': wrong ELF class 1 (need ELFCLASS64)");
    auto big_endian = file;
    big_endian[elf::EI_DATA] = 2;
    CHECK(parse_error(big_endian) == "module 'x.ko': not little-endian");
    auto arm = file;
    header_of(arm).e_machine = 183;
    CHECK(parse_error(arm) == "module 'x.ko': wrong machine 183 (need EM_X86_64, 62)");
    CHECK(parse_error(file, elf::ET_EXEC) == "module 'x.ko': ELF type 1 is not ET_EXEC (a linked executable)");
    auto entry_size = file;
    header_of(entry_size).e_shentsize = 40;
    CHECK(parse_error(entry_size) == "module 'x.ko': section header size 40 is not 64");
    auto names = file;
    header_of(names).e_shstrndx = 6;
    CHECK(parse_error(names) == "module 'x.ko': section name table index 6 is outside the 6 section headers");
    auto phdrs = file;
    header_of(phdrs).e_phnum = 1;
    header_of(phdrs).e_phentsize = 56;
    header_of(phdrs).e_phoff = file.size() - 8;
    CHECK(parse_error(phdrs) ==
          "module 'x.ko': truncated: program headers end at " + fmt::format("{:#x}, file is {:#x} bytes", file.size() + 48, file.size()));
}

TEST_CASE("corrupt offsets inside the file are errors naming what and where", "[elf]")
{
    auto file = small_object();
    section_of(file, 3).sh_name = 0xfff; // .symtab's name, past .shstrtab
    section_of(file, 1).sh_offset = file.size() - 2; // .text's contents past the end
    section_of(file, 4).sh_size = 3;     // .strtab cut inside "start"
    auto parsed = ElfReader::parse("module 'x.ko'", file);
    REQUIRE_FALSE(parsed.is_error()); // the tables themselves are inside the file
    auto const& reader = parsed.value();
    CHECK(reader.section_name(3).error().message ==
          "module 'x.ko': string offset 0xfff is past the end of string table 5 (0x29 bytes)");
    CHECK(reader.contents(1).error().message ==
          fmt::format("module 'x.ko': section 1 (.text) [{:#x}, {:#x}) is outside the file ({:#x} bytes)", file.size() - 2,
                      file.size() + 2, file.size()));
    auto const symbols = reader.symbols(3);
    REQUIRE_FALSE(symbols.is_error());
    CHECK(reader.symbol_name(3, symbols.value()[1]).error().message ==
          "module 'x.ko': the string at offset 0x1 of string table 4 is not NUL-terminated");
    CHECK(reader.symbols(1).error().message == "module 'x.ko': section 1 is not a symbol table (type 1)");
    CHECK(reader.contents(9).error().message == "module 'x.ko': a reference names section 9, but there are 6");

    auto entry_size = small_object();
    section_of(entry_size, 3).sh_entsize = 16;
    CHECK(ElfReader::parse("module 'x.ko'", entry_size).value().symbols(3).error().message ==
          "module 'x.ko': the symbol table (section 3) has entries of 16 bytes, not 24");
}

TEST_CASE("every truncation of a file is an error or a reader whose every access is checked", "[elf]")
{
    auto const file = small_object();
    for (size_t length = 0; length < file.size(); ++length) {
        INFO("length " << length);
        auto parsed = ElfReader::parse("module 'x.ko'", std::vector<uint8_t>(file.begin(), file.begin() + long(length)));
        if (parsed.is_error()) {
            CHECK(parsed.error().message.rfind("module 'x.ko': ", 0) == 0);
            continue;
        }
        auto const& reader = parsed.value(); // not reached: the section headers are at the end
        for (size_t i = 0; i < reader.sections().size(); ++i)
            (void)reader.contents(i);
    }
}

TEST_CASE("read_file names the file it could not open", "[elf]")
{
    auto missing = ElfReader::read_file("/nonexistent/kernel.elf", "kernel");
    REQUIRE(missing.is_error());
    CHECK(missing.error().message == "kernel '/nonexistent/kernel.elf': cannot open: No such file or directory");
}
