// The module area (Linux's module_alloc on top of vmalloc): page-granular allocations in
// [MODULES_VADDR, MODULES_END), within +-2 GiB of the kernel text so that the kernel code model's
// 32-bit relocations reach, each followed by an unmapped guard page. The pages are really mapped
// (rw- NX, from the page allocator) and really unmapped when freed.
//
// The page tables covering the first MODULE_AREA_PREALLOC bytes are allocated at boot, as
// Linux preallocates the vmalloc area's upper levels: they then never come and go with the
// modules, and kernel_meminfo returns exactly to its baseline after the last rmmod.
#include "internal.h"

#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/printk.h>

namespace {

constexpr u64 MODULE_AREA_PREALLOC = 64ull << 20; // page tables for the first 64 MiB
constexpr size_t MAX_AREAS = 256;                 // live allocations (2 per module at most)

struct area {
    u64 base;
    u64 pages; // mapped pages; a guard page follows
};
// Sorted by base; first fit keeps allocations low, inside the preallocated page tables.
area g_areas[MAX_AREAS];
size_t g_nr_areas;

void unmap_and_free(u64 base, u64 pages)
{
    for (u64 i = 0; i < pages; i++) {
        auto phys = unmap_page(kernel_pml4_phys(), base + i * PAGE_SIZE);
        if (phys.is_error())
            panic("module_memfree: %#lx: %s", base + i * PAGE_SIZE, phys.error().reason);
        free_page(phys.value());
        kernel_meminfo.module_area_pages--;
    }
}

} // namespace

void module_area_init()
{
    // Map and unmap one page per 2 MiB: map_page creates the page table, unmap_page leaves it.
    auto scratch = alloc_page();
    if (scratch.is_error())
        panic("module area: no memory for its page tables");
    for (u64 va = MODULES_VADDR; va < MODULES_VADDR + MODULE_AREA_PREALLOC; va += PMD_SIZE) {
        auto mapped = map_page(kernel_pml4_phys(), va, scratch.value(), PAGE_KERNEL);
        if (mapped.is_error())
            panic("module area: cannot build page tables at %#lx: %s", va, mapped.error().reason);
        (void)unmap_page(kernel_pml4_phys(), va);
    }
    free_page(scratch.value());
}

lkm::ErrorOr<u64> module_alloc(size_t size)
{
    if (size == 0 || size % PAGE_SIZE)
        return lkm::Error::from_errno(LKM_EINVAL, "module_alloc: size is not a whole number of pages");
    if (g_nr_areas == MAX_AREAS)
        return lkm::Error::from_errno(LKM_ENOMEM, "module area: too many allocations");
    u64 pages = size / PAGE_SIZE;
    // First fit: the lowest gap that holds the pages and a guard page after them. The guard page
    // of the allocation before a gap is its own last page + 1.
    u64 candidate = MODULES_VADDR;
    size_t slot = 0;
    for (; slot < g_nr_areas; slot++) {
        if (candidate + (pages + 1) * PAGE_SIZE <= g_areas[slot].base)
            break;
        candidate = g_areas[slot].base + (g_areas[slot].pages + 1) * PAGE_SIZE;
    }
    if (candidate + (pages + 1) * PAGE_SIZE > MODULES_END || candidate + (pages + 1) * PAGE_SIZE < candidate)
        return lkm::Error::from_errno(LKM_ENOMEM, "module area exhausted");

    for (u64 i = 0; i < pages; i++) {
        auto phys = alloc_page();
        lkm::ErrorOr<void> mapped = phys.is_error()
            ? lkm::ErrorOr<void>(lkm::Error::from_errno(LKM_ENOMEM, "out of memory for module pages"))
            : map_page(kernel_pml4_phys(), candidate + i * PAGE_SIZE, phys.value(), PAGE_KERNEL);
        if (mapped.is_error()) {
            if (!phys.is_error())
                free_page(phys.value());
            unmap_and_free(candidate, i);
            return mapped.release_error();
        }
        kernel_meminfo.module_area_pages++;
    }
    for (size_t i = g_nr_areas; i > slot; i--)
        g_areas[i] = g_areas[i - 1];
    g_areas[slot] = { candidate, pages };
    g_nr_areas++;
    return candidate;
}

void module_memfree(u64 address, size_t size)
{
    for (size_t slot = 0; slot < g_nr_areas; slot++) {
        if (g_areas[slot].base != address)
            continue;
        if (g_areas[slot].pages * PAGE_SIZE != size)
            panic("module_memfree: %#lx freed with size %#lx, allocated %#lx", address, size,
                  g_areas[slot].pages * PAGE_SIZE);
        unmap_and_free(address, g_areas[slot].pages);
        for (size_t i = slot; i + 1 < g_nr_areas; i++)
            g_areas[i] = g_areas[i + 1];
        g_nr_areas--;
        return;
    }
    panic("module_memfree: %#lx is not a module area allocation", address);
}
