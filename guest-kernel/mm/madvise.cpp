// madvise (Linux's mm/madvise.c): MADV_DONTNEED drops the pages of a range (private anonymous
// memory reads as zeros again, a private file page as the file's bytes); the access-pattern
// hints are accepted and change nothing, as there is no readahead or swap to tune.
#include <lkmemu/errno.h>
#include <lkmemu/mman.h>
#include <asm/page.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <mm/internal.h>

long sys_madvise(uint64_t start, size_t len, int advice)
{
    if (start & (PAGE_SIZE - 1))
        return -LKM_EINVAL;
    u64 end = align_up(start + len, PAGE_SIZE);
    if (end < start)
        return -LKM_EINVAL;
    switch (advice) {
    case LKM_MADV_NORMAL:
    case LKM_MADV_RANDOM:
    case LKM_MADV_SEQUENTIAL:
    case LKM_MADV_WILLNEED:
    case LKM_MADV_DONTNEED:
        break;
    default:
        return -LKM_EINVAL;
    }
    if (start == end)
        return 0;
    mm_struct* mm = current()->mm;
    // Every page of the range must be mapped (ENOMEM otherwise, as Linux, after the rest).
    bool hole = false;
    u64 at = start;
    for (vm_area_struct* vma = find_vma(mm, start); at < end; vma = vma_next(vma)) {
        if (!vma || vma->vm_start >= end) {
            hole = true;
            break;
        }
        if (vma->vm_start > at)
            hole = true;
        u64 from = max(at, vma->vm_start), to = min(end, vma->vm_end);
        if (advice == LKM_MADV_DONTNEED)
            zap_page_range(mm, from, to);
        at = to;
    }
    return hole ? -LKM_ENOMEM : 0;
}
