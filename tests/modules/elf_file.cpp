#include "elf_file.h"

#include <stdexcept>

namespace lkmemu::test {

namespace {

template<typename T>
T take(Result<T> result)
{
    if (result.is_error())
        throw std::runtime_error(result.error().message);
    return result.release_value();
}

} // namespace

ElfFile::ElfFile(const std::string& path) : ElfFile(take(ElfReader::read_file(path, "module")))
{
}

ElfFile::ElfFile(ElfReader reader) : m_reader(std::move(reader))
{
    auto const& headers = m_reader.sections();
    for (size_t i = 0; i < headers.size(); i++)
        m_sections.push_back({std::string(take(m_reader.section_name(i))), &headers[i]});
    std::vector<std::string> names;
    for (size_t i = 0; i < headers.size(); i++) {
        if (headers[i].sh_type != SHT_SYMTAB)
            continue;
        for (const auto& sym : take(m_reader.symbols(i))) {
            std::string name(take(m_reader.symbol_name(i, sym)));
            if (ELF64_ST_TYPE(sym.st_info) == STT_SECTION)
                name = m_sections.at(sym.st_shndx).name;
            m_symbol_entries.push_back(sym);
            names.push_back(std::move(name));
        }
    }
    for (size_t i = 0; i < names.size(); i++)
        m_symbols.push_back({std::move(names[i]), &m_symbol_entries[i]});
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
    return take(m_reader.contents(static_cast<size_t>(section.header - m_reader.sections().data())));
}

std::optional<ElfSymbol> ElfFile::symbol(std::string_view name) const
{
    for (const auto& sym : m_symbols)
        if (sym.name == name && ELF64_ST_TYPE(sym.sym->st_info) != STT_SECTION)
            return sym;
    return std::nullopt;
}

std::vector<ElfRelocation> ElfFile::relocations_for(const ElfSection& target) const
{
    std::vector<ElfRelocation> result;
    auto const& headers = m_reader.sections();
    for (size_t i = 0; i < headers.size(); i++) {
        if (headers[i].sh_type != SHT_RELA || headers[i].sh_info >= headers.size() || &headers[headers[i].sh_info] != target.header)
            continue;
        for (const auto& rela : take(m_reader.relocations(i))) {
            uint32_t index = ELF64_R_SYM(rela.r_info);
            result.push_back({rela.r_offset, uint32_t(ELF64_R_TYPE(rela.r_info)),
                              index < m_symbols.size() ? m_symbols[index].name : "?", rela.r_addend});
        }
    }
    return result;
}

size_t ElfFile::alloc_relocation_count() const
{
    size_t count = 0;
    auto const& headers = m_reader.sections();
    for (const auto& s : headers)
        if (s.sh_type == SHT_RELA && s.sh_info < headers.size() && (headers[s.sh_info].sh_flags & SHF_ALLOC))
            count += s.sh_size / sizeof(ElfReader::Rela);
    return count;
}

std::vector<std::string> ElfFile::modinfo() const
{
    std::vector<std::string> records;
    auto s = section(".modinfo");
    if (!s)
        return records;
    std::string current;
    for (uint8_t b : contents(*s)) {
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
