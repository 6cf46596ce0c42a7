// A read-only view of an ELF64 relocatable file (a .ko), for the module build tests: sections,
// symbols and relocations, read with the host's ELF reader (emulator/support/elf_reader.h).
// Deliberately independent of loader/'s linking: these tests check what the SDK emits, not what
// the loader understands.
#pragma once

// The reader (lkm::elf structures) before <elf.h>, whose macros the tests use (SHF_ALLOC ...).
#include <support/elf_reader.h>

#include <elf.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu::test {

struct ElfSection {
    std::string name;
    const ElfReader::Shdr* header;
};

struct ElfSymbol {
    std::string name;
    const ElfReader::Sym* sym;
    bool defined() const { return sym->st_shndx != SHN_UNDEF; }
    bool global() const { return ELF64_ST_BIND(sym->st_info) != STB_LOCAL; }
};

struct ElfRelocation {
    uint64_t offset;
    uint32_t type;
    std::string symbol; // the symbol's name, or its section's name for a section symbol
    int64_t addend;
};

class ElfFile {
public:
    // Reads the whole file; throws std::runtime_error (test code) with the reader's message when
    // it is not a well-formed ELF64 x86-64 file.
    explicit ElfFile(const std::string& path);
    ElfFile(ElfFile&&) = default; // the views point into heap storage, which a move keeps
    ElfFile(const ElfFile&) = delete;
    ElfFile& operator=(const ElfFile&) = delete;

    const ElfReader::Ehdr& header() const { return m_reader.header(); }
    size_t file_size() const { return m_reader.bytes().size(); }
    const std::vector<ElfSection>& sections() const { return m_sections; }
    std::optional<ElfSection> section(std::string_view name) const;
    std::span<const uint8_t> contents(const ElfSection& section) const;
    const std::vector<ElfSymbol>& symbols() const { return m_symbols; }
    std::optional<ElfSymbol> symbol(std::string_view name) const;
    // The relocations that apply to `target` (from the SHT_RELA section whose sh_info names it).
    std::vector<ElfRelocation> relocations_for(const ElfSection& target) const;
    // All relocations that apply to SHF_ALLOC sections: the ones a loader must process.
    size_t alloc_relocation_count() const;
    // .modinfo's "key=value" records, in order.
    std::vector<std::string> modinfo() const;

private:
    explicit ElfFile(ElfReader reader);

    ElfReader m_reader;
    std::vector<ElfSection> m_sections;
    std::vector<ElfReader::Sym> m_symbol_entries; // every SHT_SYMTAB's, in order
    std::vector<ElfSymbol> m_symbols;
};

} // namespace lkmemu::test
