// `symbol+0xoff [module]` for the tracer on the real machine: kernel addresses from kernel.elf's
// symbol table, module addresses from the kernel's published module list (lkm_observed_modules,
// abi/lkmemu/observer.h) and each module's unstripped .ko on the host.
//
//   MachineSymbolizer symbols(machine, KernelSymbols::read(kernel_path), find_ko);
//   Tracer tracer(..., [&](uint64_t a) { return symbols.symbolize(a); }, ...);
#pragma once

#include "trace/tracer.h"

#include <harness/kernel_symbols.h>
#include <harness/observer.h>
#include <machine/machine.h>
#include <support/result.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu::trace {

// A relocatable module's own function and object symbols, by section: what `add-symbol-file`
// gives gdb.
struct ModuleFileSymbols {
    struct Symbol {
        uint64_t offset = 0; // into its section
        uint64_t size = 0;
        std::string name;
    };
    // Per section name (".text", ".init.text" ...), sorted by offset.
    std::map<std::string, std::vector<Symbol>, std::less<>> sections;

    // The symbol holding `offset` in `section` (a sizeless one holds its first byte), the one
    // starting nearest below it when several do.
    const Symbol* find(std::string_view section, uint64_t offset) const;
};

// Reads the symbols of the ELF64 relocatable file at `path`. An unreadable or malformed file
// gives an error naming it and what is wrong.
Result<ModuleFileSymbols> read_module_file_symbols(const std::string& path);

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
    const KernelObserver* observer();
    void refresh_modules();
    const LoadedSection* find_section(uint64_t address) const;
    const ModuleFileSymbols* module_file(const std::string& module);

    const Machine& m_machine;
    KernelSymbols m_kernel;
    ModuleFileFinder m_find_module_file;
    // Attached on first use; nullopt after a failed attach (the kernel publishes no module
    // list this host can read: module addresses stay unnamed).
    std::optional<KernelObserver> m_observer;
    bool m_attach_tried = false;
    uint64_t m_cached_head = ~0ull;       // the list head the cache was read at
    std::vector<LoadedSection> m_sections; // sorted by start
    std::map<std::string, std::optional<ModuleFileSymbols>, std::less<>> m_files; // nullopt: none
};

} // namespace lkmemu::trace
