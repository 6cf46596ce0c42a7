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

// Whether alloc_pages clears what it hands out. Uninitialised is for memory its caller fills
// whole at once (Linux's allocations without __GFP_ZERO): zeroing it first would write every
// byte twice.
enum class page_contents : u8 { zeroed, uninitialised };

// count physically contiguous pages, zeroed unless asked otherwise; returns their physical
// address. ENOMEM when none. Page 0 is never handed out.
lkm::ErrorOr<u64> alloc_pages(size_t count, page_contents contents = page_contents::zeroed);
inline lkm::ErrorOr<u64> alloc_page() { return alloc_pages(1); }
void free_pages(u64 phys, size_t count);
// A page frame the allocator manages (Linux's pfn_valid): below the highest usable page.
bool pfn_valid(u64 pfn);
inline void free_page(u64 phys) { free_pages(phys, 1); }

// An owned, physically contiguous, uninitialised buffer of whole pages, freed when it goes out
// of scope: for a module image that a copy from user space or a file read fills at once (and
// that a device may DMA into).
class page_buffer {
public:
    static lkm::ErrorOr<page_buffer> allocate(size_t bytes)
    {
        size_t pages = bytes ? (bytes + 4095) / 4096 : 1;
        u64 phys = TRY(alloc_pages(pages, page_contents::uninitialised));
        return page_buffer(phys, pages);
    }
    page_buffer(page_buffer&& other) : m_phys(other.m_phys), m_pages(other.m_pages) { other.m_pages = 0; }
    page_buffer(const page_buffer&) = delete;
    page_buffer& operator=(const page_buffer&) = delete;
    page_buffer& operator=(page_buffer&&) = delete;
    ~page_buffer()
    {
        if (m_pages)
            free_pages(m_phys, m_pages);
    }
    u8* data() const; // its kernel virtual address
    u64 phys() const { return m_phys; }

private:
    page_buffer(u64 phys, size_t pages) : m_phys(phys), m_pages(pages) {}
    u64 m_phys;
    size_t m_pages;
};

struct pt_regs;
// A not-present page fault at address in a demand-zero area of the current process (from ring 3,
// or from a uaccess helper): map a zeroed page there and return true, so the access is retried.
// False for every other fault (mm/fault.cpp).
bool handle_page_fault(pt_regs* regs, u64 address);
