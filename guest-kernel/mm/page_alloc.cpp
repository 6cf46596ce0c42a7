// The physical page allocator: one bit per 4 KiB page of the first 4 GiB (set = in use), built
// from the boot memory map. Simple and exact, which is what the host's meminfo checks need.
// Every page frame also has a reference count (Linux's page->_refcount), in an array sized from
// the RAM found at boot: a copy-on-write page is mapped by several address spaces and freed with
// the last put_page.
#include <asm/page.h>
#include <kernel/bootparam.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/string.h>

extern "C" char __image_phys_start[], __image_phys_end[];

meminfo_counters kernel_meminfo;

namespace {

constexpr u64 MAX_PHYS = 4ull << 30; // the boot page tables identity-map this much
constexpr u64 MAX_PFN = MAX_PHYS / PAGE_SIZE;

u64 g_bitmap[MAX_PFN / 64];
u64 g_max_pfn;    // one past the highest usable page
u64 g_next_fit;   // where the next search starts
u64 g_refs_phys;  // the reference counts: one u32 per page frame below g_max_pfn (0 until set up)

u32* page_refs() { return static_cast<u32*>(__va(g_refs_phys)); }

bool page_in_use(u64 pfn) { return g_bitmap[pfn / 64] & (1ull << (pfn % 64)); }
void mark_in_use(u64 pfn) { g_bitmap[pfn / 64] |= 1ull << (pfn % 64); }
void mark_free(u64 pfn) { g_bitmap[pfn / 64] &= ~(1ull << (pfn % 64)); }

// Set [first, last) in use (or free) a bitmap word at a time; returns how many pages changed.
// Boot walks every page of RAM through here, so a bit at a time would cost a loop per page.
u64 set_range(u64 first, u64 last, bool in_use)
{
    u64 changed = 0;
    for (u64 pfn = first; pfn < last;) {
        u64 bit = pfn % 64;
        u64 count = min<u64>(64 - bit, last - pfn);
        u64 mask = (count == 64 ? ~0ull : (1ull << count) - 1) << bit;
        u64& word = g_bitmap[pfn / 64];
        u64 flipping = (in_use ? ~word : word) & mask;
        changed += static_cast<u64>(__builtin_popcountll(flipping));
        word ^= flipping;
        pfn += count;
    }
    return changed;
}

// Release [base, base + length) to the allocator (whole pages inside it only).
void free_range(u64 base, u64 length)
{
    // Page 0 stays reserved: a null physical address must never be valid.
    u64 first = max<u64>(align_up(base, PAGE_SIZE) / PAGE_SIZE, 1);
    u64 last = min(align_down(base + length, PAGE_SIZE), MAX_PHYS) / PAGE_SIZE;
    if (first >= last)
        return;
    u64 freed = set_range(first, last, false);
    kernel_meminfo.total_pages += freed;
    kernel_meminfo.free_pages += freed;
    g_max_pfn = max(g_max_pfn, last); // every page below `last` in the range is free now
}

void reserve_range(u64 base, u64 length)
{
    u64 first = align_down(base, PAGE_SIZE) / PAGE_SIZE;
    u64 last = min(align_up(base + length, PAGE_SIZE), MAX_PHYS) / PAGE_SIZE;
    if (first >= last)
        return;
    u64 reserved = set_range(first, last, true);
    kernel_meminfo.total_pages -= reserved;
    kernel_meminfo.free_pages -= reserved;
}

} // namespace

void page_alloc_init()
{
    memset(g_bitmap, 0xff, sizeof(g_bitmap));
    for (size_t i = 0; i < boot_params.nr_regions; i++) {
        const memory_region& r = boot_params.regions[i];
        if (r.type == LKMEMU_MEMORY_USABLE)
            free_range(r.base, r.length);
    }
    // Under PVH the firmware's map calls the kernel image plain RAM: take it out.
    u64 image_start = reinterpret_cast<u64>(__image_phys_start);
    u64 image_end = reinterpret_cast<u64>(__image_phys_end);
    reserve_range(image_start, image_end - image_start);
    // The initrd stays out until populate_rootfs has unpacked it (free_initrd_mem); under PVH
    // the firmware's map calls it RAM too.
    reserve_range(boot_params.initrd_start, boot_params.initrd_size);
    g_next_fit = 1;
    // The counts' own pages come from the allocator (refcounts are not kept for them: not yet).
    // Sized for the boot memory too, which joins the allocator later.
    u64 ram_end = 0;
    for (size_t i = 0; i < boot_params.nr_regions; i++) {
        const memory_region& r = boot_params.regions[i];
        if (r.type == LKMEMU_MEMORY_USABLE || r.type == LKMEMU_MEMORY_BOOT)
            ram_end = max(ram_end, min(r.base + r.length, MAX_PHYS));
    }
    size_t ref_pages = align_up(ram_end / PAGE_SIZE * sizeof(u32), PAGE_SIZE) / PAGE_SIZE;
    auto refs = alloc_pages(ref_pages);
    if (refs.is_error())
        panic("page_alloc: no memory for %lu page reference counts", g_max_pfn);
    g_refs_phys = refs.value();
    pr_debug("page_alloc: %lu pages usable, %lu free, kernel image %#lx-%#lx\n",
             kernel_meminfo.total_pages, kernel_meminfo.free_pages, image_start, image_end);
}

void page_alloc_free_boot_memory()
{
    u64 before = kernel_meminfo.free_pages;
    for (size_t i = 0; i < boot_params.nr_regions; i++) {
        const memory_region& r = boot_params.regions[i];
        if (r.type == LKMEMU_MEMORY_BOOT)
            free_range(r.base, r.length);
    }
    if (kernel_meminfo.free_pages != before)
        pr_debug("page_alloc: freed %lu pages of boot memory\n", kernel_meminfo.free_pages - before);
}

u64 free_initrd_mem(u64 base, u64 size)
{
    u64 before = kernel_meminfo.free_pages;
    free_range(align_down(base, PAGE_SIZE), align_up(base + size, PAGE_SIZE) - align_down(base, PAGE_SIZE));
    return kernel_meminfo.free_pages - before;
}

lkm::ErrorOr<u64> alloc_pages(size_t count, page_contents contents)
{
    if (count == 0 || count > g_max_pfn)
        return lkm::Error::from_errno(LKM_ENOMEM, "alloc_pages: impossible size");
    // First fit from the last allocation, wrapping once.
    for (int pass = 0; pass < 2; pass++) {
        u64 start = pass == 0 ? g_next_fit : 1;
        u64 end = pass == 0 ? g_max_pfn : min(g_next_fit + count, g_max_pfn);
        u64 run = 0;
        for (u64 pfn = start; pfn < end; pfn++) {
            run = page_in_use(pfn) ? 0 : run + 1;
            if (run < count)
                continue;
            u64 first = pfn + 1 - count;
            for (u64 p = first; p <= pfn; p++)
                mark_in_use(p);
            kernel_meminfo.free_pages -= count;
            g_next_fit = pfn + 1;
            if (contents == page_contents::zeroed)
                memset(__va(first * PAGE_SIZE), 0, count * PAGE_SIZE);
            if (g_refs_phys)
                for (u64 p = first; p <= pfn; p++)
                    page_refs()[p] = 1;
            return first * PAGE_SIZE;
        }
    }
    return lkm::Error::from_errno(LKM_ENOMEM, "alloc_pages: out of physical memory");
}

u8* page_buffer::data() const { return static_cast<u8*>(__va(m_phys)); }

bool pfn_valid(u64 pfn) { return pfn < g_max_pfn; }

void free_pages(u64 phys, size_t count)
{
    u64 first = phys / PAGE_SIZE;
    for (u64 pfn = first; pfn < first + count; pfn++) {
        if (pfn == 0 || pfn >= g_max_pfn || !page_in_use(pfn)) {
            pr_err("free_pages: bad page %#lx (double free or never allocated)\n", pfn * PAGE_SIZE);
            continue;
        }
        mark_free(pfn);
        if (g_refs_phys)
            page_refs()[pfn] = 0;
        kernel_meminfo.free_pages++;
    }
}

void get_page(u64 phys) { page_refs()[phys / PAGE_SIZE]++; }

unsigned page_count(u64 phys) { return page_refs()[phys / PAGE_SIZE]; }

bool put_page(u64 phys)
{
    u32& refs = page_refs()[phys / PAGE_SIZE];
    if (refs == 0) {
        pr_err("put_page: page %#lx has no references\n", phys);
        return false;
    }
    if (--refs)
        return false;
    free_page(phys);
    return true;
}
