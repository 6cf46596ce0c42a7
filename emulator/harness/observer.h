// Reading what the kernel publishes for outside observers (abi/lkmemu/observer.h) from guest
// memory: memory accounting and the loaded modules' sections. This is the host's one reader of
// the module list (vmmap, meminfo, the tracer's symbolizer and the tests use it).
//
// Nothing is read before the kernel's lkm_observer_abi says it publishes the layout this host
// was built with (LKM_OBSERVER_VERSION and the three struct sizes): a kernel without it, or with
// another version or size, gives an error naming what was expected and what was found.
#pragma once

#include "kernel_symbols.h"

#include <machine/machine.h>
#include <support/result.h>

#include <lkmemu/observer.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu {

struct ObservedModule {
    std::string name;
    uint32_t state = 0;                // enum lkm_module_state
    std::vector<NamedRegion> sections; // every section the kernel lists, empty ones too, named "hello .text"
    uint64_t core_base = 0, core_size = 0;
    uint64_t init_base = 0, init_size = 0; // 0, 0 once init memory is freed

    // ".text" for the region named "hello .text".
    std::string_view section_name(const NamedRegion& region) const;
};

class KernelObserver {
public:
    // Finds the published objects by their symbols and checks lkm_observer_abi.
    static Result<KernelObserver> attach(const Machine&, const KernelSymbols&);

    Result<lkm_meminfo> meminfo() const;
    // The address of the first listed module (0: none). The list changes only when a module is
    // linked in or freed, so a cache may re-read it when this moves.
    Result<uint64_t> module_list_head() const;
    // The loaded modules, in list order. A kernel without module support has none.
    Result<std::vector<ObservedModule>> modules() const;

private:
    KernelObserver(const Machine& machine, uint64_t meminfo, uint64_t modules)
        : m_machine(&machine), m_meminfo(meminfo), m_modules(modules)
    {
    }

    const Machine* m_machine;
    uint64_t m_meminfo; // &kernel_meminfo, 0 if the kernel has none
    uint64_t m_modules; // &lkm_observed_modules, 0 if the kernel has none
};

Result<lkm_meminfo> read_meminfo(const Machine&, const KernelSymbols&);
// The loaded modules, in list order. A kernel without module support has none.
Result<std::vector<ObservedModule>> read_modules(const Machine&, const KernelSymbols&);

// /proc/meminfo-style text for the `meminfo` command.
std::string format_meminfo(const lkm_meminfo&);

} // namespace lkmemu
