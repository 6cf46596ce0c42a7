// The physical page allocator (mm/page_alloc.cpp) and the memory counters the host's `meminfo`
// reads from guest memory (the symbol kernel_meminfo).
#pragma once

#include <lkmemu/observer.h>
#include <kernel/types.h>
#include <loader/error_or.h>

// The layout observers read (abi/lkmemu/observer.h): total_pages, free_pages, kmalloc_bytes,
// kmalloc_objects, module_area_pages (kernel/module/module_area.cpp), user_pages (mm/pgtable.cpp).
using meminfo_counters = lkm_meminfo;
extern "C" meminfo_counters kernel_meminfo;

// Hand the memory map's usable RAM to the allocator, keeping page 0, the kernel image and the
// boot structures out.
void page_alloc_init();
// After the kernel's own page tables are live: give the boot page tables (LKMEMU_MEMORY_BOOT)
// back to the allocator.
void page_alloc_free_boot_memory();

// count physically contiguous pages, zeroed; returns their physical address. ENOMEM when none.
// Page 0 is never handed out.
lkm::ErrorOr<u64> alloc_pages(size_t count);
inline lkm::ErrorOr<u64> alloc_page() { return alloc_pages(1); }
void free_pages(u64 phys, size_t count);
inline void free_page(u64 phys) { free_pages(phys, 1); }

struct pt_regs;
// A not-present page fault at address in a demand-zero area of the current process (from ring 3,
// or from a uaccess helper): map a zeroed page there and return true, so the access is retried.
// False for every other fault (mm/fault.cpp).
bool handle_page_fault(pt_regs* regs, u64 address);
