// mprotect (Linux's mm/mprotect.c): new permissions for the VMAs of a range, split at its ends
// and merged back with equal neighbours, and the pages already there changed to match. User
// space may ask for RWX, as Linux allows; copy-on-write pages stay read-only until written.
#include <lkmemu/errno.h>
#include <lkmemu/mman.h>
#include <asm/page.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <mm/internal.h>

lkm::ErrorOr<vm_area_struct*> vma_range_split(mm_struct* mm, u64 start, u64 end)
{
    // Every page covered first, so that a failure changes nothing.
    vm_area_struct* first = find_vma(mm, start);
    if (!first || first->vm_start > start)
        return lkm::Error::from_errno(LKM_ENOMEM, "range not mapped");
    for (vm_area_struct* vma = first; vma->vm_end < end;) {
        vm_area_struct* next = vma_next(vma);
        if (!next || next->vm_start != vma->vm_end)
            return lkm::Error::from_errno(LKM_ENOMEM, "range not mapped");
        vma = next;
    }
    if (first->vm_start < start)
        first = TRY(split_vma(first, start));
    if (vm_area_struct* last = find_vma(mm, end - 1); last->vm_end > end)
        TRY(split_vma(last, end));
    return first;
}

long sys_mprotect(uint64_t start, size_t len, unsigned long prot)
{
    if (start & (PAGE_SIZE - 1))
        return -LKM_EINVAL;
    if (prot & ~(LKM_PROT_READ | LKM_PROT_WRITE | LKM_PROT_EXEC))
        return -LKM_EINVAL;
    if (len == 0)
        return 0;
    u64 end = align_up(start + len, PAGE_SIZE);
    if (end <= start || end > TASK_SIZE)
        return -LKM_ENOMEM;
    mm_struct* mm = current()->mm;
    unsigned long access = ((prot & LKM_PROT_READ) ? VM_READ : 0) | ((prot & LKM_PROT_WRITE) ? VM_WRITE : 0) |
                           ((prot & LKM_PROT_EXEC) ? VM_EXEC : 0);
    // What each VMA may become (VM_MAY*): EACCES before anything changes.
    for (vm_area_struct* vma = find_vma(mm, start); vma && vma->vm_start < end; vma = vma_next(vma)) {
        if ((access & ~(vma->vm_flags >> 4)) & VM_ACCESS_FLAGS)
            return -LKM_EACCES;
    }
    auto first = vma_range_split(mm, start, end);
    if (first.is_error())
        return errno_of(first.error());
    for (vm_area_struct* vma = first.value(); vma && vma->vm_start < end;) {
        vma->vm_flags = (vma->vm_flags & ~VM_ACCESS_FLAGS) | access;
        vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
        change_protection(mm, vma->vm_start, vma->vm_end, vma->vm_page_prot);
        vma = vma_merge_neighbours(vma);
        vma = vma_next(vma);
    }
    return 0;
}
