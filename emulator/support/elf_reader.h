// ElfReader: the host's one reader of ELF64 x86-64 files — kernel.elf for the machine, the
// harness and the tracer; .ko files for the tracer, the loader tools and the tests. Every offset
// and size in the file is checked before it is used, so a corrupt or cut-short file gives an
// Error, never a crash; every error names the file, what was being read and where:
//
//   kernel 'build/bin/kernel.elf': truncated: section headers end at 0x8c40, file is 0x8000 bytes
//
// The structures are the loader's (loader/include/loader/elf.h, lkm::elf), which need no libc
// header. This header uses no lkm::elf constant by name, so it may be included before <elf.h>
// (whose macros spell the same names) in code that wants both.
#pragma once

#include "support/result.h"

#include <loader/elf.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu {

class ElfReader {
public:
    using Ehdr = lkm::elf::Elf64_Ehdr;
    using Phdr = lkm::elf::Elf64_Phdr;
    using Shdr = lkm::elf::Elf64_Shdr;
    using Sym = lkm::elf::Elf64_Sym;
    using Rela = lkm::elf::Elf64_Rela;

    // Reads the file at `path`; errors are worded "<kind> '<path>': <reason>" (kind: "kernel",
    // "module" ...). `type`, when given, is the e_type the file must have (ET_EXEC, ET_REL).
    static Result<ElfReader> read_file(const std::string& path, std::string_view kind,
                                       std::optional<uint16_t> type = std::nullopt);
    // The same checks on bytes already in memory; `label` starts every error.
    static Result<ElfReader> parse(std::string label, std::vector<uint8_t> bytes,
                                   std::optional<uint16_t> type = std::nullopt);

    // What parse() checked: the ELF magic, ELFCLASS64, little-endian, EM_X86_64, the e_type asked
    // for; the program and section header tables inside the file with the standard entry
    // sizes; e_shstrndx naming a section whose contents are inside the file.
    const Ehdr& header() const { return m_header; }
    const std::vector<Phdr>& segments() const { return m_segments; }
    const std::vector<Shdr>& sections() const { return m_sections; }
    std::span<const uint8_t> bytes() const { return m_bytes; }
    const std::string& label() const { return m_label; }

    // The file bytes [offset, offset + size); `what` names them in the error.
    Result<std::span<const uint8_t>> range(uint64_t offset, uint64_t size, std::string_view what) const;
    // A section's contents (empty for SHT_NOBITS).
    Result<std::span<const uint8_t>> contents(size_t section) const;
    // The section's name from the section name table.
    Result<std::string_view> section_name(size_t section) const;
    // The first section of that name.
    std::optional<size_t> find_section(std::string_view name) const;
    // The NUL-terminated string at `offset` in string table `section`.
    Result<std::string_view> string_at(size_t section, uint64_t offset) const;

    // A symbol table (SHT_SYMTAB / SHT_DYNSYM) with Elf64_Sym entries and a string table link.
    Result<std::vector<Sym>> symbols(size_t symtab) const;
    Result<std::string_view> symbol_name(size_t symtab, const Sym&) const;
    // An SHT_RELA section's entries.
    Result<std::vector<Rela>> relocations(size_t rela) const;

    // The file bytes that an allocated section with contents holds at run addresses
    // [address, address + size) (a table the image refers to by address).
    Result<std::span<const uint8_t>> at_address(uint64_t address, uint64_t size) const;
    // The NUL-terminated string at run address `address`, inside one such section.
    Result<std::string_view> string_at_address(uint64_t address) const;

private:
    ElfReader() = default;
    Error error(std::string_view reason) const;
    Result<const Shdr*> section_at(size_t index, std::string_view what) const;
    template<typename T>
    Result<std::vector<T>> table(size_t section, std::string_view what) const;
    Result<size_t> section_holding(uint64_t address) const;

    std::string m_label;
    std::vector<uint8_t> m_bytes;
    Ehdr m_header {};
    std::vector<Phdr> m_segments;
    std::vector<Shdr> m_sections;
};

} // namespace lkmemu
