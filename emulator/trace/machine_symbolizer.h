// `symbol+0xoff [module]` for the tracer on the real machine: kernel addresses from kernel.elf's
// symbol table, module addresses from the kernel's published module list (lkm_observed_modules,
// abi/lkmemu/observer.h) and each module's unstripped .ko on the host.
//
//   MachineSymbolizer symbols(machine, KernelSymbols::read(kernel_path), find_ko);
//   Tracer tracer(..., [&](uint64_t a) { return symbols.symbolize(a); }, ...);
#pragma once

#include "trace/tracer.h"

#include <harness/kernel_symbols.h>
#include <machine/machine.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu::trace {

// A relocatable module's own symbols, by section: what `add-symbol-file` gives gdb.
struct ModuleFileSymbols {
    struct Symbol {
        std::string section; // ".text", ".init.text" ...
        uint64_t offset = 0; // into that section
        uint64_t size = 0;
        std::string name;
    };
    std::vector<Symbol> symbols;
};

// Reads the function and object symbols of the ELF64 relocatable file at `path`. An unreadable
// or malformed file gives an error naming it.
lkm::ErrorOr<ModuleFileSymbols> read_module_file_symbols(const std::string& path);

class MachineSymbolizer {
public:
    // The host path of module NAME's .ko, if the host knows one.
    using ModuleFileFinder = std::function<std::optional<std::string>(std::string_view name)>;

    MachineSymbolizer(const Machine& machine, KernelSymbols kernel, ModuleFileFinder find_module_file);

    // Kernel image: "load_module"+off, no module. A loaded module's section: the module's symbol
    // (or "<section>" when its .ko is unknown) and " [name]". User space and unknown: nullopt.
    std::optional<SymbolLocation> symbolize(uint64_t address);

private:
    struct LoadedSection {
        uint64_t start, end;
        std::string module;
        std::string section;
    };
    void refresh_modules();
    const LoadedSection* find_section(uint64_t address) const;
    const ModuleFileSymbols* module_file(const std::string& module);

    const Machine& m_machine;
    KernelSymbols m_kernel;
    ModuleFileFinder m_find_module_file;
    uint64_t m_list_head_address = 0; // &lkm_observed_modules, 0 if the kernel has none
    uint64_t m_cached_head = ~0ull;   // the list head the cache was read at
    std::vector<LoadedSection> m_sections;
    std::map<std::string, std::optional<ModuleFileSymbols>, std::less<>> m_files; // nullopt: none
};

} // namespace lkmemu::trace
