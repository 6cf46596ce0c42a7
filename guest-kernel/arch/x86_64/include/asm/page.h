// The kernel's address-space constants and the physical <-> virtual conversions.
// See docs/architecture.md, "Virtual memory map".
#pragma once

#include <kernel/types.h>

constexpr u64 PAGE_SHIFT = 12;
constexpr u64 PAGE_SIZE = 1ull << PAGE_SHIFT;
constexpr u64 PMD_SIZE = 1ull << 21; // one 2 MiB page

// The kernel image: linked at __START_KERNEL_map, loaded at KERNEL_PHYS_BASE (kernel.ld agrees).
constexpr u64 __START_KERNEL_map = 0xffffffff80000000ull;
constexpr u64 KERNEL_PHYS_BASE = 0x200000;
// The direct map of all physical RAM.
constexpr u64 DIRECT_MAP_BASE = 0xffff888000000000ull;
// Kernel stacks (mm/vmap_stack.cpp), where Linux's vmalloc area starts: one PML4 entry (512
// GiB) of VMAP_STACK_SLOT-sized slots, each a stack at its top and unmapped guard space below.
constexpr u64 VMAP_STACK_START = 0xffffc90000000000ull;
constexpr u64 VMAP_STACK_END = VMAP_STACK_START + (512ull << 30);
constexpr u64 VMAP_STACK_SLOT = 32768;
// Module area (issue 4 allocates there; nothing else maps into it).
constexpr u64 MODULES_VADDR = 0xffffffffa0000000ull;
constexpr u64 MODULES_END = 0xffffffffff000000ull;
// The emulated CPU owns the top two pages; the kernel never maps them.
constexpr u64 CPU_RESERVED_VADDR = 0xffffffffffffe000ull;
// User space: [USER_BASE, TASK_SIZE_MAX).
constexpr u64 TASK_SIZE_MAX = 0x0000800000000000ull - PAGE_SIZE;

// Where physical memory is visible: 0 while the boot page tables (which identity-map the first
// 4 GiB) are live, DIRECT_MAP_BASE once the kernel's own tables are loaded.
extern u64 page_offset_base;

inline void* __va(u64 phys) { return reinterpret_cast<void*>(phys + page_offset_base); }

// A direct-map or kernel-image address to its physical address.
inline u64 __pa(const void* virt)
{
    u64 v = reinterpret_cast<u64>(virt);
    if (v >= __START_KERNEL_map)
        return v - __START_KERNEL_map + KERNEL_PHYS_BASE;
    return v - page_offset_base;
}
