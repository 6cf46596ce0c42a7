#include "kernel_symbols.h"

#include "elf_file_image.h"

#include <cxxabi.h>
#include <elf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace lkmemu {

namespace {

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
// split, named "<owner> .text" etc.; empty for a malformed image.
std::vector<NamedRegion> allocated_sections(const ElfFileImage& image, const std::string& owner, bool user_half)
{
    std::vector<NamedRegion> regions;
    Elf64_Ehdr header;
    if (!image.read(0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0
        || header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shstrndx >= header.e_shnum)
        return regions;
    Elf64_Shdr names;
    if (!image.read(header.e_shoff + uint64_t(header.e_shstrndx) * sizeof(Elf64_Shdr), names))
        return regions;
    for (unsigned i = 0; i < header.e_shnum; ++i) {
        Elf64_Shdr section;
        if (!image.read(header.e_shoff + uint64_t(i) * sizeof(Elf64_Shdr), section))
            return {};
        if (!(section.sh_flags & SHF_ALLOC) || section.sh_size == 0 || (section.sh_addr < kUserSpaceEnd) != user_half)
            continue;
        regions.push_back({section.sh_addr, section.sh_addr + section.sh_size,
                           owner + " " + image.string_at(names.sh_offset + section.sh_name)});
    }
    return regions;
}

// The bytes between two symbols' addresses in a file's sections (the init program the kernel
// carries in .rodata, between __init_elf_start and __init_elf_end); empty if they are not in one.
ElfFileImage embedded_file(const ElfFileImage& image, const std::vector<Elf64_Shdr>& sections, uint64_t start,
                           uint64_t end)
{
    for (const Elf64_Shdr& section : sections) {
        if (section.sh_type == SHT_NOBITS || start < section.sh_addr || end > section.sh_addr + section.sh_size
            || start > end)
            continue;
        uint64_t const offset = section.sh_offset + (start - section.sh_addr);
        if (offset > image.bytes.size() || end - start > image.bytes.size() - offset)
            return {};
        return { std::vector<uint8_t>(image.bytes.begin() + offset, image.bytes.begin() + offset + (end - start)) };
    }
    return {};
}

} // namespace

KernelSymbols KernelSymbols::read(const std::string& path)
{
    KernelSymbols table;
    ElfFileImage image = ElfFileImage::read_file(path);
    Elf64_Ehdr header;
    if (!image.read(0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0
        || header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shstrndx >= header.e_shnum)
        return table;

    std::vector<Elf64_Shdr> sections(header.e_shnum);
    for (unsigned i = 0; i < header.e_shnum; ++i)
        if (!image.read(header.e_shoff + uint64_t(i) * sizeof(Elf64_Shdr), sections[i]))
            return table;

    table.m_sections = allocated_sections(image, "kernel", false);
    for (const Elf64_Shdr& section : sections) {
        if (section.sh_type != SHT_SYMTAB || section.sh_link >= sections.size()
            || section.sh_entsize != sizeof(Elf64_Sym))
            continue;
        const Elf64_Shdr& strings = sections[section.sh_link];
        for (uint64_t at = 0; at + sizeof(Elf64_Sym) <= section.sh_size; at += sizeof(Elf64_Sym)) {
            Elf64_Sym symbol;
            if (!image.read(section.sh_offset + at, symbol))
                break;
            if (symbol.st_name == 0 || symbol.st_shndx == SHN_UNDEF)
                continue;
            std::string name = image.string_at(strings.sh_offset + symbol.st_name);
            unsigned const type = ELF64_ST_TYPE(symbol.st_info);
            bool const names_code_or_data = type == STT_FUNC || type == STT_OBJECT || type == STT_NOTYPE;
            if (names_code_or_data && symbol.st_shndx < SHN_LORESERVE && symbol.st_value >= kUserSpaceEnd
                && !name.starts_with(".L") && !name.starts_with("$"))
                table.m_by_address.push_back({symbol.st_value, symbol.st_value + symbol.st_size, readable_name(name)});
            table.m_symbols.emplace(std::move(name), symbol.st_value);
        }
    }
    // init, the one user program, is linked into the kernel image: its sections name its ranges.
    auto init_start = table.address_of("__init_elf_start"), init_end = table.address_of("__init_elf_end");
    if (init_start && init_end)
        table.m_user_sections = allocated_sections(embedded_file(image, sections, *init_start, *init_end), "init", true);
    std::sort(table.m_sections.begin(), table.m_sections.end(),
              [](const NamedRegion& a, const NamedRegion& b) { return a.start < b.start; });
    // Sized symbols first among equal starts, so a function wins over a label at its address.
    std::sort(table.m_by_address.begin(), table.m_by_address.end(), [](const NamedRegion& a, const NamedRegion& b) {
        return a.start != b.start ? a.start < b.start : (a.end - a.start) > (b.end - b.start);
    });
    return table;
}

std::optional<SymbolOffset> KernelSymbols::symbolize(uint64_t address) const
{
    auto in_image = std::find_if(m_sections.begin(), m_sections.end(),
                                 [&](const NamedRegion& s) { return address >= s.start && address < s.end; });
    if (in_image == m_sections.end())
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
