// One description of the machine, whichever way the kernel was entered (the lkmemu boot protocol
// or QEMU's PVH). arch/x86_64/kernel/head64.cpp fills it from the hand-off structures, copying
// everything, so the hand-off memory may be reused afterwards.
#pragma once

#include <lkmemu/boot.h>
#include <kernel/types.h>

enum class BootProtocol { Lkmemu, Pvh };

struct memory_region {
    u64 base;
    u64 length;
    lkmemu_memory_type type;
};

constexpr size_t MAX_MEMORY_REGIONS = 64;
constexpr size_t COMMAND_LINE_SIZE = 1024;

struct boot_params {
    BootProtocol protocol;
    memory_region regions[MAX_MEMORY_REGIONS];
    size_t nr_regions;
    char command_line[COMMAND_LINE_SIZE];
    u64 initrd_start; // physical; 0 and 0 without an initrd (init/initramfs.cpp unpacks it)
    u64 initrd_size;
};

extern boot_params boot_params;

// The end of the highest usable RAM, rounded up to 1 MiB: the same on lkmemu and QEMU for the
// same -m, unlike the exact firmware map (QEMU keeps a few KiB below 1 MiB and near the top).
u64 boot_ram_size_rounded();
