// `vmmap`: the guest's virtual memory map, read by the host from the guest's own page tables.
#pragma once

#include "kernel_symbols.h"

#include <machine/machine.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lkmemu {

struct VmmapLine {
    uint64_t start = 0;
    uint64_t end = 0; // exclusive
    std::string perms; // "r-x", "rw-", "r--" as in /proc/self/maps
    bool user = false;
    std::string what;
};

// Cuts each mapped range at region boundaries (kernel, module and init sections) and names
// every piece: by the region it falls in, or by where it is (user, direct map, module area ...).
std::vector<VmmapLine> describe_address_space(const std::vector<MappedRange>& ranges,
                                              const std::vector<NamedRegion>& regions);

// "ffffffff80000000-ffffffff80004000 r-x kernel .text\n" per line.
std::string format_vmmap(const std::vector<VmmapLine>& lines);

} // namespace lkmemu
