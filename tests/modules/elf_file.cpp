#include "elf_file.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace lkmemu::test {

ElfFile::ElfFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    m_bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (m_bytes.size() < sizeof(Elf64_Ehdr) || std::memcmp(m_bytes.data(), ELFMAG, SELFMAG) != 0
        || m_bytes[EI_CLASS] != ELFCLASS64 || header().e_machine != EM_X86_64)
        throw std::runtime_error(path + " is not an ELF64 x86-64 file");
    const auto& eh = header();
    if (eh.e_shoff + size_t(eh.e_shnum) * sizeof(Elf64_Shdr) > m_bytes.size())
        throw std::runtime_error(path + ": section headers out of range");
    const auto& shstrtab = section_header(eh.e_shstrndx);
    for (size_t i = 0; i < eh.e_shnum; i++)
        m_sections.push_back({string_at(shstrtab, section_header(i).sh_name), &section_header(i)});
}

const Elf64_Ehdr& ElfFile::header() const
{
    return *reinterpret_cast<const Elf64_Ehdr*>(m_bytes.data());
}

const Elf64_Shdr& ElfFile::section_header(size_t index) const
{
    return reinterpret_cast<const Elf64_Shdr*>(m_bytes.data() + header().e_shoff)[index];
}

std::string ElfFile::string_at(const Elf64_Shdr& strtab, uint32_t offset) const
{
    if (strtab.sh_offset + offset >= m_bytes.size())
        throw std::runtime_error("string offset out of range");
    const char* start = reinterpret_cast<const char*>(m_bytes.data() + strtab.sh_offset + offset);
    return std::string(start, strnlen(start, m_bytes.size() - strtab.sh_offset - offset));
}

std::optional<ElfSection> ElfFile::section(std::string_view name) const
{
    for (const auto& s : m_sections)
        if (s.name == name)
            return s;
    return std::nullopt;
}

std::span<const uint8_t> ElfFile::contents(const ElfSection& section) const
{
    if (section.header->sh_type == SHT_NOBITS)
        return {};
    if (section.header->sh_offset + section.header->sh_size > m_bytes.size())
        throw std::runtime_error(section.name + ": contents out of range");
    return {m_bytes.data() + section.header->sh_offset, section.header->sh_size};
}

std::vector<ElfSymbol> ElfFile::symbols() const
{
    std::vector<ElfSymbol> result;
    for (const auto& s : m_sections) {
        if (s.header->sh_type != SHT_SYMTAB)
            continue;
        auto bytes = contents(s);
        const auto* syms = reinterpret_cast<const Elf64_Sym*>(bytes.data());
        const auto& strtab = section_header(s.header->sh_link);
        for (size_t i = 0; i < bytes.size() / sizeof(Elf64_Sym); i++) {
            std::string name = string_at(strtab, syms[i].st_name);
            if (ELF64_ST_TYPE(syms[i].st_info) == STT_SECTION)
                name = m_sections.at(syms[i].st_shndx).name;
            result.push_back({name, &syms[i]});
        }
    }
    return result;
}

std::optional<ElfSymbol> ElfFile::symbol(std::string_view name) const
{
    for (auto& sym : symbols())
        if (sym.name == name && ELF64_ST_TYPE(sym.sym->st_info) != STT_SECTION)
            return sym;
    return std::nullopt;
}

std::vector<ElfRelocation> ElfFile::relocations_for(const ElfSection& target) const
{
    std::vector<ElfRelocation> result;
    auto syms = symbols();
    for (const auto& s : m_sections) {
        if (s.header->sh_type != SHT_RELA || &section_header(s.header->sh_info) != target.header)
            continue;
        auto bytes = contents(s);
        const auto* relas = reinterpret_cast<const Elf64_Rela*>(bytes.data());
        for (size_t i = 0; i < bytes.size() / sizeof(Elf64_Rela); i++) {
            uint32_t index = ELF64_R_SYM(relas[i].r_info);
            result.push_back({relas[i].r_offset, uint32_t(ELF64_R_TYPE(relas[i].r_info)),
                              index < syms.size() ? syms[index].name : "?", relas[i].r_addend});
        }
    }
    return result;
}

size_t ElfFile::alloc_relocation_count() const
{
    size_t count = 0;
    for (const auto& s : m_sections)
        if (s.header->sh_type == SHT_RELA && (section_header(s.header->sh_info).sh_flags & SHF_ALLOC))
            count += s.header->sh_size / sizeof(Elf64_Rela);
    return count;
}

std::vector<std::string> ElfFile::modinfo() const
{
    std::vector<std::string> records;
    auto s = section(".modinfo");
    if (!s)
        return records;
    auto bytes = contents(*s);
    std::string current;
    for (uint8_t b : bytes) {
        if (b == 0) {
            if (!current.empty())
                records.push_back(current);
            current.clear();
        } else {
            current += char(b);
        }
    }
    return records;
}

} // namespace lkmemu::test
