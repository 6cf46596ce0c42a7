#include "support/elf_reader.h"

#include "support/file_contents.h"

#include <fmt/format.h>

#include <cstring>

namespace lkmemu {

namespace elf = lkm::elf;

namespace {

// [offset, offset + size) inside a file of `file_size` bytes, without overflow.
bool inside(uint64_t offset, uint64_t size, uint64_t file_size)
{
    return offset <= file_size && size <= file_size - offset;
}

template<typename T>
T load(const std::vector<uint8_t>& bytes, uint64_t offset)
{
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value); // the file need not be aligned
    return value;
}

std::string type_name(uint16_t type)
{
    switch (type) {
    case elf::ET_REL:
        return "ET_REL (a relocatable object)";
    case elf::ET_EXEC:
        return "ET_EXEC (a linked executable)";
    }
    return std::to_string(type);
}

} // namespace

Error ElfReader::error(std::string_view reason) const { return make_error(fmt::format("{}: {}", m_label, reason)); }

Result<ElfReader> ElfReader::read_file(const std::string& path, std::string_view kind, std::optional<uint16_t> type)
{
    std::string label = fmt::format("{} '{}'", kind, path);
    auto contents = read_file_contents(path);
    if (contents.is_error())
        return make_error(fmt::format("{}: cannot open: {}", label, contents.error().message));
    return parse(std::move(label), contents.release_value(), type);
}

Result<ElfReader> ElfReader::parse(std::string label, std::vector<uint8_t> bytes, std::optional<uint16_t> type)
{
    ElfReader reader;
    reader.m_label = std::move(label);
    reader.m_bytes = std::move(bytes);
    auto const& file = reader.m_bytes;
    uint64_t const size = file.size();

    if (size < 4 || std::memcmp(file.data(), "\x7f" "ELF", 4) != 0)
        return reader.error("not an ELF file (bad magic)");
    if (size < sizeof(Ehdr))
        return reader.error(fmt::format("truncated: {} bytes, shorter than an ELF64 header", size));
    auto const& h = reader.m_header = load<Ehdr>(file, 0);
    if (h.e_ident[elf::EI_CLASS] != elf::ELFCLASS64)
        return reader.error(fmt::format("wrong ELF class {} (need ELFCLASS64)", h.e_ident[elf::EI_CLASS]));
    if (h.e_ident[elf::EI_DATA] != elf::ELFDATA2LSB)
        return reader.error("not little-endian");
    if (h.e_machine != elf::EM_X86_64)
        return reader.error(fmt::format("wrong machine {} (need EM_X86_64, 62)", h.e_machine));
    if (type && h.e_type != *type)
        return reader.error(fmt::format("ELF type {} is not {}", h.e_type, type_name(*type)));

    if (h.e_phnum != 0) {
        if (h.e_phentsize != sizeof(Phdr))
            return reader.error(fmt::format("program header size {} is not {}", h.e_phentsize, sizeof(Phdr)));
        uint64_t const table_size = uint64_t(h.e_phnum) * sizeof(Phdr);
        if (!inside(h.e_phoff, table_size, size))
            return reader.error(fmt::format("truncated: program headers end at {:#x}, file is {:#x} bytes",
                                            h.e_phoff + table_size, size));
        for (uint64_t i = 0; i < h.e_phnum; ++i)
            reader.m_segments.push_back(load<Phdr>(file, h.e_phoff + i * sizeof(Phdr)));
    }

    // e_shnum 0 with a nonzero e_shoff is extended numbering (over 0xff00 sections): not used by
    // anything lkmemu reads, so such a file has no sections here.
    if (h.e_shnum != 0) {
        if (h.e_shentsize != sizeof(Shdr))
            return reader.error(fmt::format("section header size {} is not {}", h.e_shentsize, sizeof(Shdr)));
        uint64_t const table_size = uint64_t(h.e_shnum) * sizeof(Shdr);
        if (!inside(h.e_shoff, table_size, size))
            return reader.error(fmt::format("truncated: section headers end at {:#x}, file is {:#x} bytes",
                                            h.e_shoff + table_size, size));
        for (uint64_t i = 0; i < h.e_shnum; ++i)
            reader.m_sections.push_back(load<Shdr>(file, h.e_shoff + i * sizeof(Shdr)));
        if (h.e_shstrndx != elf::SHN_UNDEF) {
            if (h.e_shstrndx >= h.e_shnum)
                return reader.error(fmt::format("section name table index {} is outside the {} section headers",
                                                h.e_shstrndx, h.e_shnum));
            auto const& names = reader.m_sections[h.e_shstrndx];
            if (names.sh_type != elf::SHT_NOBITS && !inside(names.sh_offset, names.sh_size, size))
                return reader.error(fmt::format("truncated: the section name table [{:#x}, {:#x}) ends past the file "
                                                "({:#x} bytes)",
                                                names.sh_offset, names.sh_offset + names.sh_size, size));
        }
    }
    return reader;
}

Result<std::span<const uint8_t>> ElfReader::range(uint64_t offset, uint64_t size, std::string_view what) const
{
    if (!inside(offset, size, m_bytes.size()))
        return error(fmt::format("{} [{:#x}, {:#x}) is outside the file ({:#x} bytes)", what, offset, offset + size,
                                 m_bytes.size()));
    return std::span<const uint8_t>(m_bytes.data() + offset, size);
}

Result<const ElfReader::Shdr*> ElfReader::section_at(size_t index, std::string_view what) const
{
    if (index >= m_sections.size())
        return error(fmt::format("{} names section {}, but there are {}", what, index, m_sections.size()));
    return &m_sections[index];
}

Result<std::span<const uint8_t>> ElfReader::contents(size_t index) const
{
    auto const* section = LKMEMU_TRY(section_at(index, "a reference"));
    if (section->sh_type == elf::SHT_NOBITS)
        return std::span<const uint8_t>();
    std::string_view name = "?";
    if (auto named = section_name(index); !named.is_error())
        name = named.value();
    return range(section->sh_offset, section->sh_size, fmt::format("section {} ({})", index, name));
}

Result<std::string_view> ElfReader::string_at(size_t section, uint64_t offset) const
{
    auto const* table = LKMEMU_TRY(section_at(section, "a string reference"));
    if (table->sh_type == elf::SHT_NOBITS || !inside(table->sh_offset, table->sh_size, m_bytes.size()))
        return error(fmt::format("string table {} has no contents in the file", section));
    if (offset >= table->sh_size)
        return error(fmt::format("string offset {:#x} is past the end of string table {} ({:#x} bytes)", offset, section,
                                 table->sh_size));
    auto const* begin = reinterpret_cast<const char*>(m_bytes.data() + table->sh_offset);
    auto const* nul = static_cast<const char*>(std::memchr(begin + offset, '\0', table->sh_size - offset));
    if (!nul)
        return error(fmt::format("the string at offset {:#x} of string table {} is not NUL-terminated", offset, section));
    return std::string_view(begin + offset, nul);
}

Result<std::string_view> ElfReader::section_name(size_t section) const
{
    auto const* header = LKMEMU_TRY(section_at(section, "a section name lookup"));
    if (m_header.e_shstrndx == elf::SHN_UNDEF)
        return error("the file has no section name table");
    return string_at(m_header.e_shstrndx, header->sh_name);
}

std::optional<size_t> ElfReader::find_section(std::string_view name) const
{
    for (size_t i = 0; i < m_sections.size(); ++i) {
        auto const named = section_name(i);
        if (!named.is_error() && named.value() == name)
            return i;
    }
    return std::nullopt;
}

template<typename T>
Result<std::vector<T>> ElfReader::table(size_t section, std::string_view what) const
{
    auto const* header = LKMEMU_TRY(section_at(section, what));
    if (header->sh_entsize != sizeof(T))
        return error(fmt::format("{} (section {}) has entries of {} bytes, not {}", what, section, header->sh_entsize,
                                 sizeof(T)));
    if (header->sh_size % sizeof(T) != 0)
        return error(fmt::format("{} (section {}) is {:#x} bytes, not a whole number of entries", what, section,
                                 header->sh_size));
    auto const bytes = LKMEMU_TRY(contents(section));
    std::vector<T> entries(bytes.size() / sizeof(T));
    if (!entries.empty())
        std::memcpy(entries.data(), bytes.data(), entries.size() * sizeof(T));
    return entries;
}

Result<std::vector<ElfReader::Sym>> ElfReader::symbols(size_t symtab) const
{
    auto const* header = LKMEMU_TRY(section_at(symtab, "a symbol table reference"));
    if (header->sh_type != elf::SHT_SYMTAB && header->sh_type != elf::SHT_DYNSYM)
        return error(fmt::format("section {} is not a symbol table (type {})", symtab, header->sh_type));
    LKMEMU_TRY(section_at(header->sh_link, fmt::format("the symbol table's string table link (section {})", symtab)));
    return table<Sym>(symtab, "the symbol table");
}

Result<std::string_view> ElfReader::symbol_name(size_t symtab, const Sym& symbol) const
{
    auto const* header = LKMEMU_TRY(section_at(symtab, "a symbol table reference"));
    return string_at(header->sh_link, symbol.st_name);
}

Result<std::vector<ElfReader::Rela>> ElfReader::relocations(size_t rela) const
{
    auto const* header = LKMEMU_TRY(section_at(rela, "a relocation section reference"));
    if (header->sh_type != elf::SHT_RELA)
        return error(fmt::format("section {} is not SHT_RELA (type {})", rela, header->sh_type));
    return table<Rela>(rela, "the relocation section");
}

Result<size_t> ElfReader::section_holding(uint64_t address) const
{
    for (size_t i = 0; i < m_sections.size(); ++i) {
        auto const& s = m_sections[i];
        if ((s.sh_flags & elf::SHF_ALLOC) && s.sh_type != elf::SHT_NOBITS && address >= s.sh_addr &&
            address - s.sh_addr < s.sh_size)
            return i;
    }
    return error(fmt::format("no allocated section with contents holds address {:#x}", address));
}

Result<std::span<const uint8_t>> ElfReader::at_address(uint64_t address, uint64_t size) const
{
    size_t const index = LKMEMU_TRY(section_holding(address));
    auto const& s = m_sections[index];
    if (size > s.sh_size - (address - s.sh_addr))
        return error(fmt::format("[{:#x}, {:#x}) runs past the end of section {}", address, address + size, index));
    auto const bytes = LKMEMU_TRY(contents(index));
    return bytes.subspan(address - s.sh_addr, size);
}

Result<std::string_view> ElfReader::string_at_address(uint64_t address) const
{
    size_t const index = LKMEMU_TRY(section_holding(address));
    auto const& s = m_sections[index];
    auto const bytes = LKMEMU_TRY(contents(index)).subspan(address - s.sh_addr);
    auto const* begin = reinterpret_cast<const char*>(bytes.data());
    auto const* nul = static_cast<const char*>(std::memchr(begin, '\0', bytes.size()));
    if (!nul)
        return error(fmt::format("the string at {:#x} runs past the end of section {}", address, index));
    return std::string_view(begin, nul);
}

} // namespace lkmemu
