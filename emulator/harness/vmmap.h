// `vmmap`: the guest's virtual memory map, read by the host from the guest's own page tables.
#pragma once

#include <machine/machine.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lkmemu {

// A named stretch of virtual memory: a kernel section, the direct map, a module's section ...
struct NamedRegion {
    uint64_t start = 0;
    uint64_t end = 0; // exclusive
    std::string name;
};

struct VmmapLine {
    uint64_t start = 0;
    uint64_t end = 0; // exclusive
    std::string perms; // "r-x", "rw-", "r--" as in /proc/self/maps
    bool user = false;
    std::string what;
};

// The allocated sections of a kernel ELF, as regions named "kernel .text" etc.
// Returns an empty list if the file cannot be read (vmmap then names less, it does not fail).
std::vector<NamedRegion> kernel_section_regions(const std::string& kernel_elf_path);

// Cuts each mapped range at region boundaries and names every piece: by the region it falls
// in, or by where it is (user space, direct map, module area, kernel).
std::vector<VmmapLine> describe_address_space(const std::vector<MappedRange>& ranges,
                                              const std::vector<NamedRegion>& regions);

// "ffffffff80000000-ffffffff80004000 r-x kernel .text\n" per line.
std::string format_vmmap(const std::vector<VmmapLine>& lines);

} // namespace lkmemu
