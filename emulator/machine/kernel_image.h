// KernelImage: kernel.elf read and checked before anything is loaded. Every way the file can be
// wrong (missing, not ELF, not ELF64 little-endian x86-64 ET_EXEC, truncated, a segment outside
// RAM or over the boot area) is an Error that names the file and the reason.
#pragma once

#include "support/elf_reader.h"
#include "support/result.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lkmemu {

struct KernelSegment {
    uint64_t vaddr, paddr, file_offset, file_size, memory_size;
    bool readable, writable, executable;
};

class KernelImage {
public:
    // Reads and validates `path` for a machine with `ram_size` bytes of RAM.
    static Result<KernelImage> read(const std::string& path, uint64_t ram_size);

    uint64_t entry() const { return m_entry; }
    const std::vector<KernelSegment>& segments() const { return m_segments; }
    uint64_t paddr_start() const { return m_paddr_start; }
    uint64_t paddr_end() const { return m_paddr_end; }

    // Copies every PT_LOAD to its p_paddr and zeroes the rest of its p_memsz.
    void load_into(std::span<uint8_t> ram) const;

    // The first physical address the kernel may occupy: below it live the boot info, the initial
    // page tables and the PC's reserved hole.
    static constexpr uint64_t lowest_paddr = 0x100000;

private:
    std::optional<ElfReader> m_file;
    std::vector<KernelSegment> m_segments;
    uint64_t m_entry = 0;
    uint64_t m_paddr_start = 0, m_paddr_end = 0;
};

} // namespace lkmemu
