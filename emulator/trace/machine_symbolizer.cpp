#include "trace/machine_symbolizer.h"

#include <support/elf_reader.h>

#include <algorithm>
#include <iterator>

namespace lkmemu::trace {

namespace elf = lkm::elf;

const ModuleFileSymbols::Symbol* ModuleFileSymbols::find(std::string_view section, uint64_t offset) const
{
    auto it = sections.find(section);
    if (it == sections.end())
        return nullptr;
    auto const& symbols = it->second;
    auto after = std::upper_bound(symbols.begin(), symbols.end(), offset,
                                  [](uint64_t o, const Symbol& symbol) { return o < symbol.offset; });
    auto holds = [&](const Symbol& symbol) { return offset - symbol.offset < std::max<uint64_t>(symbol.size, 1); };
    // The nearest start below wins among the symbols holding the offset; among aliases (init_module
    // for hello_init), the one the file lists first.
    for (auto at = after; at != symbols.begin();) {
        --at;
        if (!holds(*at))
            continue;
        while (at != symbols.begin() && std::prev(at)->offset == at->offset && holds(*std::prev(at)))
            --at;
        return &*at;
    }
    return nullptr;
}

Result<ModuleFileSymbols> read_module_file_symbols(const std::string& path)
{
    auto const image = LKMEMU_TRY(ElfReader::read_file(path, "module", elf::ET_REL));
    ModuleFileSymbols result;
    for (size_t symtab = 0; symtab < image.sections().size(); ++symtab) {
        if (image.sections()[symtab].sh_type != elf::SHT_SYMTAB)
            continue;
        for (const auto& symbol : LKMEMU_TRY(image.symbols(symtab))) {
            unsigned const type = elf::elf64_st_type(symbol.st_info);
            if (symbol.st_name == 0 || (type != elf::STT_FUNC && type != elf::STT_OBJECT) || symbol.st_shndx == elf::SHN_UNDEF
                || symbol.st_shndx >= image.sections().size())
                continue;
            auto const section = LKMEMU_TRY(image.section_name(symbol.st_shndx));
            auto const name = LKMEMU_TRY(image.symbol_name(symtab, symbol));
            result.sections[std::string(section)].push_back({symbol.st_value, symbol.st_size, std::string(name)});
        }
    }
    for (auto& [section, symbols] : result.sections)
        std::stable_sort(symbols.begin(), symbols.end(), [](const auto& a, const auto& b) { return a.offset < b.offset; });
    return result;
}

MachineSymbolizer::MachineSymbolizer(const Machine& machine, KernelSymbols kernel, ModuleFileFinder find_module_file)
    : m_machine(machine), m_kernel(std::move(kernel)), m_find_module_file(std::move(find_module_file))
{
}

const KernelObserver* MachineSymbolizer::observer()
{
    if (!m_attach_tried) {
        m_attach_tried = true;
        if (m_kernel.address_of("lkm_observed_modules")) {
            auto attached = KernelObserver::attach(m_machine, m_kernel);
            if (!attached.is_error())
                m_observer = attached.release_value();
        }
    }
    return m_observer ? &*m_observer : nullptr;
}

void MachineSymbolizer::refresh_modules()
{
    m_sections.clear();
    auto modules = m_observer->modules();
    if (modules.is_error())
        return; // a list caught mid-update: named by address until the next refresh
    for (const ObservedModule& module : modules.value()) {
        for (const NamedRegion& region : module.sections)
            if (region.end > region.start) // an empty section holds no address
                m_sections.push_back({region.start, region.end, module.name, std::string(module.section_name(region))});
    }
    std::sort(m_sections.begin(), m_sections.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
}

const MachineSymbolizer::LoadedSection* MachineSymbolizer::find_section(uint64_t address) const
{
    auto after = std::upper_bound(m_sections.begin(), m_sections.end(), address,
                                  [](uint64_t a, const LoadedSection& section) { return a < section.start; });
    if (after == m_sections.begin() || address >= std::prev(after)->end)
        return nullptr;
    return &*std::prev(after);
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
    if (address < 0xffff800000000000ull || !observer())
        return std::nullopt;

    // The list changes only when a module is linked in or freed: re-read it when its head moved
    // or when an address is in no section we know (a module laid out since the last read).
    auto head = m_observer->module_list_head();
    if (head.is_error())
        return std::nullopt;
    if (head.value() != m_cached_head) {
        m_cached_head = head.value();
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
        if (const auto* symbol = file->find(section->section, offset))
            return SymbolLocation {symbol->name, offset - symbol->offset, section->module};
    }
    return SymbolLocation {section->section, offset, section->module};
}

} // namespace lkmemu::trace
