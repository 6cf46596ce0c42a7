// Four-level page tables: walking, mapping and unmapping 4 KiB pages, splitting 2 MiB pages, and
// per-process top-level tables. Table pages are reached through __va (identity before the
// kernel's tables are live, the direct map after).
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <mm/internal.h>

namespace {

constexpr u64 USER_HALF_END = 0x0000800000000000ull;

u64* table(u64 phys) { return static_cast<u64*>(__va(phys & PTE_PFN_MASK)); }

bool is_canonical(u64 va) { return va < USER_HALF_END || va >= 0xffff800000000000ull; }

// Flags for a table entry that points at a lower-level table: permissions are decided by the
// leaf, so the upper levels allow everything (user access only in the user half).
u64 table_entry_flags(u64 va) { return _PAGE_PRESENT | _PAGE_RW | (va < USER_HALF_END ? _PAGE_USER : 0); }

} // namespace

u64* pt_entries(u64 table_phys) { return table(table_phys); }

unsigned pt_index(u64 va, int level) { return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511; }

lkm::ErrorOr<void> split_large_page(u64* pmd, u64 va)
{
    u64 pt_phys = TRY(alloc_page());
    u64* pt = table(pt_phys);
    u64 base = *pmd & PTE_PFN_MASK & ~(PMD_SIZE - 1);
    u64 flags = *pmd & ~PTE_PFN_MASK & ~_PAGE_PSE; // bit 7 means PAT in a PTE: clear it
    for (u64 i = 0; i < 512; i++)
        pt[i] = (base + i * PAGE_SIZE) | flags;
    *pmd = pt_phys | table_entry_flags(va);
    write_cr3(read_cr3()); // drop the 2 MiB translation
    return {};
}

lkm::ErrorOr<u64*> walk_to_pte(u64 pml4_phys, u64 va, WalkMode mode)
{
    u64* entries = table(pml4_phys);
    for (int level = 4; level > 1; level--) {
        u64* entry = &entries[pt_index(va, level)];
        if (!(*entry & _PAGE_PRESENT)) {
            if (mode != WalkMode::Create)
                return lkm::Error::from_errno(LKM_ENOENT, "page not mapped");
            u64 next = TRY(alloc_page());
            *entry = next | table_entry_flags(va);
            if (va < USER_HALF_END)
                kernel_meminfo.user_pages++; // a table of a process's address space
        } else if (*entry & _PAGE_PSE) {
            if (level != 2)
                return lkm::Error::from_errno(LKM_EINVAL, "1 GiB pages are not used by this kernel");
            TRY(split_large_page(entry, va));
        }
        entries = table(*entry);
    }
    return &entries[pt_index(va, 1)];
}

lkm::ErrorOr<void> map_page(u64 pml4_phys, u64 vaddr, u64 paddr, pgprot_t prot)
{
    if ((vaddr | paddr) & (PAGE_SIZE - 1))
        return lkm::Error::from_errno(LKM_EINVAL, "map_page: address not page-aligned");
    if (!is_canonical(vaddr) || vaddr >= CPU_RESERVED_VADDR || vaddr < PAGE_SIZE)
        return lkm::Error::from_errno(LKM_EINVAL, "map_page: address the kernel must not map");
    if (bool(prot.bits & _PAGE_USER) != (vaddr < USER_HALF_END))
        return lkm::Error::from_errno(LKM_EINVAL, "map_page: user pages only in the user half");
    u64* pte = TRY(walk_to_pte(pml4_phys, vaddr, WalkMode::Create));
    if (*pte & _PAGE_PRESENT)
        return lkm::Error::from_errno(LKM_EEXIST, "map_page: already mapped");
    *pte = paddr | prot.bits;
    invlpg(vaddr);
    return {};
}

lkm::ErrorOr<u64> unmap_page(u64 pml4_phys, u64 vaddr)
{
    u64* pte = TRY(walk_to_pte(pml4_phys, align_down(vaddr, PAGE_SIZE), WalkMode::Split));
    if (!(*pte & _PAGE_PRESENT))
        return lkm::Error::from_errno(LKM_ENOENT, "unmap_page: not mapped");
    u64 phys = *pte & PTE_PFN_MASK;
    *pte = 0;
    invlpg(vaddr);
    return phys;
}

u64* lookup_address_in(u64 pml4_phys, u64 vaddr, PageLevel* level)
{
    u64* entries = table(pml4_phys);
    for (int l = 4; l >= 1; l--) {
        u64* entry = &entries[pt_index(vaddr, l)];
        if (!(*entry & _PAGE_PRESENT))
            return nullptr;
        if (l == 1 || (l <= 3 && (*entry & _PAGE_PSE))) {
            if (level)
                *level = static_cast<PageLevel>(l);
            return entry;
        }
        entries = table(*entry);
    }
    return nullptr;
}

lkm::ErrorOr<u64> map_user_page(u64 pml4_phys, u64 vaddr, pgprot_t prot)
{
    u64 phys = TRY(alloc_page());
    auto mapped = map_page(pml4_phys, vaddr, phys, prot);
    if (mapped.is_error()) {
        free_page(phys);
        return mapped.release_error();
    }
    kernel_meminfo.user_pages++;
    return phys;
}

lkm::ErrorOr<u64> pgd_alloc()
{
    u64 pml4 = TRY(alloc_page());
    u64* entries = table(pml4);
    const u64* kernel = table(kernel_pml4_phys());
    for (unsigned i = 256; i < 512; i++)
        entries[i] = kernel[i];
    kernel_meminfo.user_pages++;
    return pml4;
}

namespace {
void free_user_level(u64 table_phys, int level)
{
    u64* entries = table(table_phys);
    for (unsigned i = 0; i < 512; i++) {
        if (level > 1) {
            if (entries[i] & _PAGE_PRESENT)
                free_user_level(entries[i] & PTE_PFN_MASK, level - 1);
        } else if (pte_has_page(entries[i]) && put_page(entries[i] & PTE_PFN_MASK)) {
            kernel_meminfo.user_pages--; // the last reference to one of the process's pages
        }
    }
    free_page(table_phys);
    kernel_meminfo.user_pages--;
}
} // namespace

void pgd_free(u64 pml4_phys)
{
    u64* entries = table(pml4_phys);
    for (unsigned i = 0; i < 256; i++) {
        if (entries[i] & _PAGE_PRESENT)
            free_user_level(entries[i] & PTE_PFN_MASK, 3);
    }
    free_page(pml4_phys);
    kernel_meminfo.user_pages--;
}
