// Reading what the kernel publishes for outside observers (abi/lkmemu/
// observer.h) from guest memory: memory accounting and the loaded modules' sections.
#pragma once

#include "kernel_symbols.h"

#include <machine/machine.h>
#include <support/result.h>

#include <lkmemu/observer.h>

#include <string>
#include <vector>

namespace lkmemu {

struct ObservedModule {
    std::string name;
    uint32_t state = 0;
    std::vector<NamedRegion> sections; // named "hello .text"
};

Result<lkm_meminfo> read_meminfo(const Machine&, const KernelSymbols&);
// The loaded modules, in list order. A kernel without module support has none.
Result<std::vector<ObservedModule>> read_modules(const Machine&, const KernelSymbols&);

// /proc/meminfo-style text for the `meminfo` command.
std::string format_meminfo(const lkm_meminfo&);

} // namespace lkmemu
