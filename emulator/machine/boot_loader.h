// The emulator's boot loader (there is no firmware): lays out guest-physical memory as boot.h and
// docs/architecture.md describe, builds the initial page tables and the boot info, and says where
// the CPU starts. Pure memory work, no CPU: the Machine applies the register state.
#pragma once

#include "machine/kernel_image.h"
#include "support/result.h"

#include <cstdint>
#include <span>
#include <string>

namespace lkmemu {

struct BootState {
    uint64_t entry = 0;
    uint64_t cr3 = 0;
    uint64_t boot_info_paddr = 0;
    uint64_t gdt_base = 0; // the boot GDT (null, 0x08 64-bit code, 0x10 data), identity-mapped
    uint16_t gdt_limit = 0;
};

struct BootInitrd {
    std::span<const uint8_t> bytes; // empty: no initrd
    std::string name;               // its file, for messages
};

// Loads the kernel into `ram` and writes the boot info, memory map, command line, boot GDT and
// initial page tables; an initrd goes page-aligned right above the kernel, an
// LKMEMU_MEMORY_INITRD region of the map. Errors: command line too long, page tables over their
// area, an initrd that leaves the kernel less than min_free_after_initrd of RAM (naming it).
inline constexpr uint64_t min_free_after_initrd = 4ull << 20;
Result<BootState> prepare_boot(const KernelImage&, std::span<uint8_t> ram, const std::string& cmdline,
                               const BootInitrd& initrd = {});

} // namespace lkmemu
