#include "kernel_symbols.h"

#include <support/elf_reader.h>

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace lkmemu {

namespace {

namespace elf = lkm::elf;

constexpr uint64_t kUserSpaceEnd = 0x0000800000000000ull;

// "load_module" for "_ZN12_GLOBAL__N_111load_moduleEPKhmPc": the C++ kernel's names as a reader
// of its source (and Linux's kallsyms) writes them, without namespace-internal or parameter noise.
std::string readable_name(const std::string& symbol)
{
    int status = -1;
    std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status),
                                                    std::free);
    if (status != 0 || !demangled)
        return symbol;
    std::string name = demangled.get();
    static constexpr std::string_view anonymous = "(anonymous namespace)::";
    for (size_t at; (at = name.find(anonymous)) != std::string::npos;)
        name.erase(at, anonymous.size());
    if (size_t parameters = name.find('('); parameters != std::string::npos && parameters > 0)
        name.resize(parameters);
    return name;
}

// The allocated sections of an ELF image whose addresses lie on one side of the user/kernel
// split, named "<owner> .text" etc.
std::vector<NamedRegion> allocated_sections(const ElfReader& image, const std::string& owner, bool user_half)
{
    std::vector<NamedRegion> regions;
    auto const& sections = image.sections();
    for (size_t i = 0; i < sections.size(); ++i) {
        auto const& section = sections[i];
        if (!(section.sh_flags & elf::SHF_ALLOC) || section.sh_size == 0 || (section.sh_addr < kUserSpaceEnd) != user_half)
            continue;
        auto const name = image.section_name(i);
        regions.push_back({section.sh_addr, section.sh_addr + section.sh_size,
                           owner + " " + std::string(name.is_error() ? std::string_view("?") : name.value())});
    }
    std::sort(regions.begin(), regions.end(), [](const NamedRegion& a, const NamedRegion& b) { return a.start < b.start; });
    return regions;
}

// init, the one user program, is linked into the kernel image: the bytes between
// __init_elf_start and __init_elf_end in its .rodata are init's ELF file, whose sections name
// init's ranges.
std::vector<NamedRegion> init_sections(const ElfReader& kernel, uint64_t start, uint64_t end)
{
    if (end < start)
        return {};
    auto const bytes = kernel.at_address(start, end - start);
    if (bytes.is_error())
        return {};
    auto init = ElfReader::parse(kernel.label() + " (embedded init)",
                                 std::vector<uint8_t>(bytes.value().begin(), bytes.value().end()));
    if (init.is_error())
        return {};
    return allocated_sections(init.value(), "init", true);
}

} // namespace

KernelSymbols KernelSymbols::read(const std::string& path)
{
    KernelSymbols table;
    auto image = ElfReader::read_file(path, "kernel");
    if (image.is_error())
        return table;
    auto const& kernel = image.value();

    table.m_sections = allocated_sections(kernel, "kernel", false);
    for (size_t index = 0; index < kernel.sections().size(); ++index) {
        if (kernel.sections()[index].sh_type != elf::SHT_SYMTAB)
            continue;
        auto symbols = kernel.symbols(index);
        if (symbols.is_error())
            continue;
        for (const auto& symbol : symbols.value()) {
            if (symbol.st_name == 0 || symbol.st_shndx == elf::SHN_UNDEF)
                continue;
            auto const named = kernel.symbol_name(index, symbol);
            if (named.is_error())
                continue;
            std::string name(named.value());
            unsigned const type = elf::elf64_st_type(symbol.st_info);
            bool const names_code_or_data = type == elf::STT_FUNC || type == elf::STT_OBJECT || type == elf::STT_NOTYPE;
            if (names_code_or_data && symbol.st_shndx < elf::SHN_LORESERVE && symbol.st_value >= kUserSpaceEnd
                && !name.starts_with(".L") && !name.starts_with("$"))
                table.m_by_address.push_back({symbol.st_value, symbol.st_value + symbol.st_size, readable_name(name)});
            table.m_symbols.emplace(std::move(name), symbol.st_value);
        }
    }
    auto init_start = table.address_of("__init_elf_start"), init_end = table.address_of("__init_elf_end");
    if (init_start && init_end)
        table.m_user_sections = init_sections(kernel, *init_start, *init_end);
    // Sized symbols first among equal starts, so a function wins over a label at its address.
    std::sort(table.m_by_address.begin(), table.m_by_address.end(), [](const NamedRegion& a, const NamedRegion& b) {
        return a.start != b.start ? a.start < b.start : (a.end - a.start) > (b.end - b.start);
    });
    return table;
}

std::optional<SymbolOffset> KernelSymbols::symbolize(uint64_t address) const
{
    // The section holding the address: the last one starting at or below it (sorted by start).
    auto in_image = std::upper_bound(m_sections.begin(), m_sections.end(), address,
                                     [](uint64_t a, const NamedRegion& s) { return a < s.start; });
    if (in_image == m_sections.begin() || address >= (--in_image)->end)
        return std::nullopt;
    auto after = std::upper_bound(m_by_address.begin(), m_by_address.end(), address,
                                  [](uint64_t a, const NamedRegion& s) { return a < s.start; });
    // Walk back over symbols starting at or below the address: the first that contains it wins;
    // else the nearest one below (a label without a size), if it is in the same section.
    const NamedRegion* nearest = nullptr;
    for (auto it = after; it != m_by_address.begin();) {
        --it;
        if (address < it->end)
            return SymbolOffset {it->name, address - it->start};
        if (it == after - 1 && it->start == it->end)
            nearest = &*it;
        if (it->start < in_image->start || after - it > 64)
            break;
    }
    if (nearest && nearest->start >= in_image->start)
        return SymbolOffset {nearest->name, address - nearest->start};
    return std::nullopt;
}

std::optional<uint64_t> KernelSymbols::address_of(std::string_view symbol) const
{
    auto it = m_symbols.find(std::string(symbol));
    if (it == m_symbols.end())
        return std::nullopt;
    return it->second;
}

} // namespace lkmemu
