// The booted kernel's symbol table and section headers, read on the host from kernel.elf: how
// inspection commands find the kernel objects they read from guest memory (kernel_meminfo,
// lkm_observed_modules) and how vmmap names the kernel's sections.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lkmemu {

// An address as kallsyms names it: the symbol that holds it and the offset into it.
struct SymbolOffset {
    std::string name;
    uint64_t offset = 0;
};

struct NamedRegion {
    uint64_t start = 0;
    uint64_t end = 0; // exclusive
    std::string name;
};

class KernelSymbols {
public:
    // Reads `path`; an unreadable or malformed file gives an empty table (inspection then knows
    // less, it does not fail).
    static KernelSymbols read(const std::string& path);

    std::optional<uint64_t> address_of(std::string_view symbol) const;
    // The function or object `address` falls in ("load_module", 0x1c; C++ names demangled and
    // shortened to the function's name), or the nearest symbol
    // below it inside the same section when sizes are missing (assembly labels); nullopt outside
    // the kernel image.
    std::optional<SymbolOffset> symbolize(uint64_t address) const;
    // The kernel's allocated sections, named "kernel .text" etc.
    const std::vector<NamedRegion>& sections() const { return m_sections; }
    // The sections of init, the user program embedded in the kernel image ("init .bss" ...).
    const std::vector<NamedRegion>& user_sections() const { return m_user_sections; }

private:
    std::unordered_map<std::string, uint64_t> m_symbols;
    std::vector<NamedRegion> m_sections;
    std::vector<NamedRegion> m_user_sections;
    std::vector<NamedRegion> m_by_address; // function/object/label symbols, sorted by start
};

} // namespace lkmemu
