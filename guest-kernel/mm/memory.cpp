// The pages of an address space (Linux's mm/memory.c): the fault that brings a page in
// (anonymous zero-fill, a private file page, the copy of a copy-on-write page), and the range
// operations on mapped pages that munmap, mprotect, mremap and fork need. Pages are reference
// counted (mm/page_alloc.cpp): fork shares them read-only, the first write copies. Every user
// page and table is counted in kernel_meminfo.user_pages while it exists.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <kernel/fs.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <mm/internal.h>

namespace {

u64 level_span(int level) { return PAGE_SIZE << (9 * (level - 1)); }

// fn(pte, va) for every PTE in [start, end) that holds a page, skipping the ranges whose tables
// do not exist. The user half has no large pages.
template<typename Fn> void for_each_page(mm_struct* mm, u64 start, u64 end, Fn fn)
{
    u64 va = start;
    while (va < end) {
        u64* entries = pt_entries(mm->pgd);
        int level = 4;
        for (; level > 1; level--) {
            u64 entry = entries[pt_index(va, level)];
            if (!(entry & _PAGE_PRESENT))
                break;
            entries = pt_entries(entry);
        }
        if (level > 1) {
            u64 next = align_down(va, level_span(level)) + level_span(level);
            va = next > va ? next : end; // the last table of the half: done
            continue;
        }
        u64* pte = &entries[pt_index(va, 1)];
        if (pte_has_page(*pte))
            fn(pte, va);
        va += PAGE_SIZE;
    }
}

// Free the tables below entries (a table at `level` covering from base) that cover only
// [start, end) or hold nothing any more; true if this table is empty now. The PML4 stays.
bool free_empty_tables(u64* entries, int level, u64 base, u64 start, u64 end)
{
    u64 span = level_span(level);
    unsigned first = static_cast<unsigned>((max(start, base) - base) / span);
    unsigned last = static_cast<unsigned>(min<u64>((end - 1 - base) / span, level == 4 ? 255 : 511));
    for (unsigned i = first; level > 1 && i <= last; i++) {
        if (!(entries[i] & _PAGE_PRESENT))
            continue;
        if (free_empty_tables(pt_entries(entries[i]), level - 1, base + i * span, start, end)) {
            free_page(entries[i] & PTE_PFN_MASK);
            kernel_meminfo.user_pages--;
            entries[i] = 0;
        }
    }
    for (unsigned i = 0; i < 512; i++) {
        if (entries[i])
            return false;
    }
    return true;
}

void release_user_page(mm_struct* mm, u64 phys)
{
    mm->rss_pages--;
    if (put_page(phys))
        kernel_meminfo.user_pages--;
}

// A not-present page: zeros, or the file's bytes at the page's offset.
vm_fault_t do_missing_page(vm_area_struct* vma, u64 va, u64* pte)
{
    auto page = alloc_page();
    if (page.is_error())
        return vm_fault_t::oom;
    u64 phys = page.value();
    if (file* f = vma->vm_file) {
        u64 pos = vma->vm_pgoff * PAGE_SIZE + (va - vma->vm_start);
        ssize_t n = f->f_op->read_kernel ? f->f_op->read_kernel(f, __va(phys), PAGE_SIZE, pos) : -LKM_EINVAL;
        if (n <= 0) {
            // Past the end of the file (or the file fails): Linux's SIGBUS for a private file page.
            free_page(phys);
            return vm_fault_t::sigbus;
        }
    }
    *pte = phys | vma->vm_page_prot.bits;
    invlpg(va);
    vma->vm_mm->rss_pages++;
    kernel_meminfo.user_pages++;
    return vm_fault_t::done;
}

// A write to a present read-only page of a writable VMA: a page shared copy-on-write. The last
// one to hold it takes it over; anyone else gets a copy (Linux's do_wp_page).
vm_fault_t do_wp_page(vm_area_struct* vma, u64 va, u64* pte)
{
    u64 old = *pte & PTE_PFN_MASK;
    if (page_count(old) == 1) {
        *pte |= _PAGE_RW;
        invlpg(va);
        return vm_fault_t::done;
    }
    auto page = alloc_pages(1, page_contents::uninitialised);
    if (page.is_error())
        return vm_fault_t::oom;
    memcpy(__va(page.value()), __va(old), PAGE_SIZE);
    *pte = page.value() | vma->vm_page_prot.bits;
    invlpg(va);
    kernel_meminfo.user_pages++;
    put_page(old); // others still hold it: never the last reference
    return vm_fault_t::done;
}

// force: a write by the kernel on the mm's behalf (exec's copy), which breaks copy-on-write
// sharing even where the VMA is read-only (Linux's FOLL_FORCE).
vm_fault_t fault_in(vm_area_struct* vma, u64 address, bool write, bool force)
{
    u64 va = align_down(address, PAGE_SIZE);
    auto walked = walk_to_pte(vma->vm_mm->pgd, va, WalkMode::Create);
    if (walked.is_error())
        return vm_fault_t::oom;
    u64* pte = walked.value();
    if (!pte_has_page(*pte))
        return do_missing_page(vma, va, pte);
    if (write && !(*pte & _PAGE_RW) && (vma->vm_flags & VM_WRITE))
        return do_wp_page(vma, va, pte);
    if (force && page_count(*pte & PTE_PFN_MASK) > 1) {
        u64 bits = *pte & ~PTE_PFN_MASK;
        vm_fault_t copied = do_wp_page(vma, va, pte);
        *pte = (*pte & PTE_PFN_MASK) | bits; // the copy keeps the read-only protection
        invlpg(va);
        return copied;
    }
    return vm_fault_t::done; // already there: another path mapped it (a retried access)
}

} // namespace

vm_fault_t handle_mm_fault(vm_area_struct* vma, u64 address, bool write) { return fault_in(vma, address, write, false); }

void zap_page_range(mm_struct* mm, u64 start, u64 end)
{
    for_each_page(mm, start, end, [mm](u64* pte, u64 va) {
        u64 phys = *pte & PTE_PFN_MASK;
        *pte = 0;
        invlpg(va);
        release_user_page(mm, phys);
    });
    if (start < end)
        free_empty_tables(pt_entries(mm->pgd), 4, 0, start, end);
}

void change_protection(mm_struct* mm, u64 start, u64 end, pgprot_t prot)
{
    for_each_page(mm, start, end, [prot](u64* pte, u64 va) {
        u64 phys = *pte & PTE_PFN_MASK;
        u64 bits = prot.bits;
        if ((bits & _PAGE_RW) && page_count(phys) > 1)
            bits &= ~_PAGE_RW; // still copy-on-write
        *pte = phys | bits;
        invlpg(va);
    });
}

lkm::ErrorOr<void> move_page_tables(mm_struct* mm, u64 old_start, u64 new_start, u64 length)
{
    lkm::ErrorOr<void> result {};
    for_each_page(mm, old_start, old_start + length, [&](u64* pte, u64 va) {
        if (result.is_error())
            return;
        auto dst = walk_to_pte(mm->pgd, new_start + (va - old_start), WalkMode::Create);
        if (dst.is_error()) {
            result = dst.release_error();
            return;
        }
        // walk_to_pte may have allocated a table, never moved this one: pte is still valid.
        *dst.value() = *pte;
        *pte = 0;
        invlpg(va);
        invlpg(new_start + (va - old_start));
    });
    free_empty_tables(pt_entries(mm->pgd), 4, 0, old_start, old_start + length);
    return result;
}

lkm::ErrorOr<void> copy_page_range(mm_struct* dst, vm_area_struct* vma)
{
    lkm::ErrorOr<void> result {};
    mm_struct* src = vma->vm_mm;
    for_each_page(src, vma->vm_start, vma->vm_end, [&](u64* pte, u64 va) {
        if (result.is_error())
            return;
        auto target = walk_to_pte(dst->pgd, va, WalkMode::Create);
        if (target.is_error()) {
            result = target.release_error();
            return;
        }
        // Private pages are shared read-only from now on; a write fault in either copies.
        if (*pte & _PAGE_RW) {
            *pte &= ~_PAGE_RW;
            invlpg(va);
        }
        get_page(*pte & PTE_PFN_MASK);
        *target.value() = *pte;
        dst->rss_pages++;
    });
    return result;
}

lkm::ErrorOr<void> copy_to_mm(mm_struct* mm, u64 va, const void* src, size_t len)
{
    auto* from = static_cast<const u8*>(src);
    while (len) {
        vm_area_struct* vma = find_vma(mm, va);
        if (!vma || vma->vm_start > va)
            return lkm::Error::from_errno(LKM_EFAULT, "copy_to_mm: address outside every VMA");
        if (fault_in(vma, va, true, true) != vm_fault_t::done)
            return lkm::Error::from_errno(LKM_ENOMEM, "copy_to_mm: no page");
        u64* pte = TRY(walk_to_pte(mm->pgd, va, WalkMode::Split));
        size_t chunk = min<size_t>(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        memcpy(static_cast<u8*>(__va(*pte & PTE_PFN_MASK)) + (va & (PAGE_SIZE - 1)), from, chunk);
        va += chunk;
        from += chunk;
        len -= chunk;
    }
    return {};
}
