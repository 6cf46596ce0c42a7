// A read-only view of an ELF64 relocatable file (a .ko), for the module build tests: sections,
// symbols and relocations, straight from <elf.h> structures. Deliberately independent of
// loader/: these tests check what the SDK emits, not what the loader understands.
#pragma once

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
    const Elf64_Shdr* header;
};

struct ElfSymbol {
    std::string name;
    const Elf64_Sym* sym;
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
    // Reads the whole file; throws std::runtime_error (test code) when it is not ELF64 x86-64.
    explicit ElfFile(const std::string& path);

    const Elf64_Ehdr& header() const;
    size_t file_size() const { return m_bytes.size(); }
    const std::vector<ElfSection>& sections() const { return m_sections; }
    std::optional<ElfSection> section(std::string_view name) const;
    std::span<const uint8_t> contents(const ElfSection& section) const;
    std::vector<ElfSymbol> symbols() const;
    std::optional<ElfSymbol> symbol(std::string_view name) const;
    // The relocations that apply to `target` (from the SHT_RELA section whose sh_info names it).
    std::vector<ElfRelocation> relocations_for(const ElfSection& target) const;
    // All relocations that apply to SHF_ALLOC sections: the ones a loader must process.
    size_t alloc_relocation_count() const;
    // .modinfo's "key=value" records, in order.
    std::vector<std::string> modinfo() const;

private:
    std::string string_at(const Elf64_Shdr& strtab, uint32_t offset) const;
    const Elf64_Shdr& section_header(size_t index) const;

    std::vector<uint8_t> m_bytes;
    std::vector<ElfSection> m_sections;
};

} // namespace lkmemu::test
