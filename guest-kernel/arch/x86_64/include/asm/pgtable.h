// Page-table entries and the page-table API: map/unmap one 4 KiB page, change the protection of
// a range (set_memory_*, as Linux names them), look a translation up. Every change to a live
// translation is followed by invlpg for that address.
#pragma once

#include <kernel/types.h>
#include <loader/error_or.h>

constexpr u64 _PAGE_PRESENT = 1ull << 0;
constexpr u64 _PAGE_RW = 1ull << 1;
constexpr u64 _PAGE_USER = 1ull << 2;
constexpr u64 _PAGE_ACCESSED = 1ull << 5;
constexpr u64 _PAGE_DIRTY = 1ull << 6;
constexpr u64 _PAGE_PSE = 1ull << 7; // a 2 MiB (PD) or 1 GiB (PDPT) page
// A user PTE of a PROT_NONE VMA: not present (every access faults) yet holding its page, which an
// mprotect makes accessible again. Linux's _PAGE_PROTNONE, the global bit (ignored when not
// present, and user pages are never global).
constexpr u64 _PAGE_PROTNONE = 1ull << 8;
constexpr u64 _PAGE_NX = 1ull << 63;
constexpr u64 PTE_PFN_MASK = 0x000ffffffffff000ull;

// The page-fault error code's bits (Linux's enum x86_pf_error_code).
constexpr u64 X86_PF_PROT = 1ull << 0;  // 0: the page was not present; 1: a protection violation
constexpr u64 X86_PF_WRITE = 1ull << 1; // a write (else a read)
constexpr u64 X86_PF_USER = 1ull << 2;  // from ring 3
constexpr u64 X86_PF_RSVD = 1ull << 3;  // a reserved bit set in a paging entry
constexpr u64 X86_PF_INSTR = 1ull << 4; // an instruction fetch

// Protection of a leaf mapping.
struct pgprot_t {
    u64 bits;
};
constexpr pgprot_t PAGE_KERNEL { _PAGE_PRESENT | _PAGE_RW | _PAGE_NX };    // rw-
constexpr pgprot_t PAGE_KERNEL_RO { _PAGE_PRESENT | _PAGE_NX };            // r--
constexpr pgprot_t PAGE_KERNEL_ROX { _PAGE_PRESENT };                      // r-x
constexpr pgprot_t PAGE_USER_RO { _PAGE_PRESENT | _PAGE_USER | _PAGE_NX }; // r--, ring 3
constexpr pgprot_t PAGE_USER_RW { _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_NX };
constexpr pgprot_t PAGE_USER_ROX { _PAGE_PRESENT | _PAGE_USER };

enum class PageLevel { PTE = 1, PMD = 2, PUD = 3 };

// The kernel's top-level table (init_top_pgt). Every process's PML4 shares its upper half.
u64 kernel_pml4_phys();

// Map one 4 KiB page at vaddr -> paddr in the tables rooted at pml4_phys, allocating intermediate
// tables as needed. Fails with EEXIST if vaddr is already mapped, EINVAL for an address the
// kernel must not map (non-canonical, unaligned, or the CPU-reserved top pages).
lkm::ErrorOr<void> map_page(u64 pml4_phys, u64 vaddr, u64 paddr, pgprot_t prot);
// Remove the 4 KiB mapping at vaddr; returns the physical page it mapped (the caller frees it).
lkm::ErrorOr<u64> unmap_page(u64 pml4_phys, u64 vaddr);

// The leaf entry translating vaddr (4 KiB, 2 MiB or 1 GiB), or nullptr if not present.
u64* lookup_address_in(u64 pml4_phys, u64 vaddr, PageLevel* level);
inline u64* lookup_address(u64 vaddr, PageLevel* level) { return lookup_address_in(kernel_pml4_phys(), vaddr, level); }

// Change the protection of numpages pages from addr in the kernel's tables (large pages are split
// to 4 KiB first). W^X holds: set_memory_x refuses a writable page, set_memory_rw an executable
// one (EINVAL), so a page is never writable and executable at once. ENOENT if a page is unmapped.
lkm::ErrorOr<void> set_memory_ro(u64 addr, size_t numpages);
lkm::ErrorOr<void> set_memory_rw(u64 addr, size_t numpages);
lkm::ErrorOr<void> set_memory_x(u64 addr, size_t numpages);
lkm::ErrorOr<void> set_memory_nx(u64 addr, size_t numpages);

// Build the kernel's page tables (image with W^X, direct map of RAM) and switch CR3 to them.
void paging_init();

// A fresh zeroed page mapped at vaddr (in the user half) of a process's tables: a page of its own,
// counted in kernel_meminfo.user_pages (as are the user half's tables) until pgd_free frees it.
// Returns the page's physical address.
lkm::ErrorOr<u64> map_user_page(u64 pml4_phys, u64 vaddr, pgprot_t prot);

// A user PTE that holds a page: present, or PROT_NONE.
inline bool pte_has_page(u64 pte) { return pte & (_PAGE_PRESENT | _PAGE_PROTNONE); }

// A new PML4 for a process: empty lower half, upper half shared with the kernel's.
lkm::ErrorOr<u64> pgd_alloc();
// Free a process's PML4 and its lower-half tables (and any user page still mapped: mmput zaps
// them first).
void pgd_free(u64 pml4_phys);
