#include "trace/machine_symbolizer.h"

#include <lkmemu/errno.h>
#include <harness/elf_file_image.h>
#include <harness/observer.h>

#include <fmt/format.h>

#include <elf.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace lkmemu::trace {

namespace {

lkm::Error file_error(int code, const char* reason, const std::string& path)
{
    auto error = lkm::Error::from_errno(code, reason);
    std::snprintf(error.context, sizeof error.context, "%s", path.c_str());
    return error;
}

} // namespace

lkm::ErrorOr<ModuleFileSymbols> read_module_file_symbols(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return file_error(LKM_ENOENT, "cannot open the module file", path);
    ElfFileImage image = ElfFileImage::read_file(path);
    Elf64_Ehdr header;
    if (!image.read(0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_type != ET_REL
        || header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shstrndx >= header.e_shnum)
        return file_error(LKM_ENOEXEC, "not an ELF64 relocatable module", path);
    std::vector<Elf64_Shdr> sections(header.e_shnum);
    for (unsigned i = 0; i < header.e_shnum; ++i)
        if (!image.read(header.e_shoff + uint64_t(i) * sizeof(Elf64_Shdr), sections[i]))
            return file_error(LKM_ENOEXEC, "truncated section headers", path);
    const Elf64_Shdr& names = sections[header.e_shstrndx];

    ModuleFileSymbols result;
    for (const Elf64_Shdr& symtab : sections) {
        if (symtab.sh_type != SHT_SYMTAB || symtab.sh_link >= sections.size() || symtab.sh_entsize != sizeof(Elf64_Sym))
            continue;
        const Elf64_Shdr& strings = sections[symtab.sh_link];
        for (uint64_t at = 0; at + sizeof(Elf64_Sym) <= symtab.sh_size; at += sizeof(Elf64_Sym)) {
            Elf64_Sym symbol;
            if (!image.read(symtab.sh_offset + at, symbol))
                break;
            unsigned const type = ELF64_ST_TYPE(symbol.st_info);
            if (symbol.st_name == 0 || (type != STT_FUNC && type != STT_OBJECT) || symbol.st_shndx == SHN_UNDEF
                || symbol.st_shndx >= sections.size())
                continue;
            result.symbols.push_back({image.string_at(names.sh_offset + sections[symbol.st_shndx].sh_name), symbol.st_value,
                                      symbol.st_size, image.string_at(strings.sh_offset + symbol.st_name)});
        }
    }
    return result;
}

MachineSymbolizer::MachineSymbolizer(const Machine& machine, KernelSymbols kernel, ModuleFileFinder find_module_file)
    : m_machine(machine), m_kernel(std::move(kernel)), m_find_module_file(std::move(find_module_file))
{
    m_list_head_address = m_kernel.address_of("lkm_observed_modules").value_or(0);
}

void MachineSymbolizer::refresh_modules()
{
    m_sections.clear();
    auto modules = read_modules(m_machine, m_kernel);
    if (modules.is_error())
        return; // a list caught mid-update: named by address until the next refresh
    for (const ObservedModule& module : modules.value()) {
        for (const NamedRegion& region : module.sections) {
            // read_modules names them "hello .text".
            std::string section = region.name.substr(std::min(region.name.size(), module.name.size() + 1));
            m_sections.push_back({region.start, region.end, module.name, std::move(section)});
        }
    }
}

const MachineSymbolizer::LoadedSection* MachineSymbolizer::find_section(uint64_t address) const
{
    for (const LoadedSection& section : m_sections)
        if (address >= section.start && address < section.end)
            return &section;
    return nullptr;
}

const ModuleFileSymbols* MachineSymbolizer::module_file(const std::string& module)
{
    auto it = m_files.find(module);
    if (it == m_files.end()) {
        std::optional<ModuleFileSymbols> symbols;
        if (auto path = m_find_module_file(module)) {
            auto read = read_module_file_symbols(*path);
            if (!read.is_error())
                symbols = read.release_value();
        }
        it = m_files.emplace(module, std::move(symbols)).first;
    }
    return it->second ? &*it->second : nullptr;
}

std::optional<SymbolLocation> MachineSymbolizer::symbolize(uint64_t address)
{
    if (auto kernel = m_kernel.symbolize(address))
        return SymbolLocation {kernel->name, kernel->offset, {}};
    if (address < 0xffff800000000000ull || m_list_head_address == 0)
        return std::nullopt;

    // The list changes only when a module is linked in or freed: re-read it when its head moved
    // or when an address is in no section we know (a module laid out since the last read).
    uint64_t head = 0;
    if (m_machine.read_virtual(m_list_head_address, {reinterpret_cast<uint8_t*>(&head), sizeof head}).is_error())
        return std::nullopt;
    if (head != m_cached_head) {
        m_cached_head = head;
        refresh_modules();
    }
    const LoadedSection* section = find_section(address);
    if (!section) {
        refresh_modules();
        section = find_section(address);
    }
    if (!section)
        return std::nullopt;
    uint64_t const offset = address - section->start;
    if (const ModuleFileSymbols* file = module_file(section->module)) {
        const ModuleFileSymbols::Symbol* best = nullptr;
        for (const auto& symbol : file->symbols) {
            if (symbol.section != section->section || symbol.offset > offset)
                continue;
            bool const inside = offset < symbol.offset + std::max<uint64_t>(symbol.size, 1);
            if (inside && (!best || symbol.offset > best->offset))
                best = &symbol;
        }
        if (best)
            return SymbolLocation {best->name, offset - best->offset, section->module};
    }
    return SymbolLocation {section->section, offset, section->module};
}

} // namespace lkmemu::trace
