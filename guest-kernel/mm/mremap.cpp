// mremap (Linux's mm/mremap.c): shrink a mapping, grow it in place when the space after it is
// free, or (MREMAP_MAYMOVE) move it, its pages with it, to a free range or (MREMAP_FIXED) to a
// given one. MREMAP_DONTUNMAP is refused (EINVAL): it is for userfaultfd-style tricks.
#include <lkmemu/errno.h>
#include <lkmemu/mman.h>
#include <asm/page.h>
#include <kernel/fs.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <mm/internal.h>

namespace {

// Whether [start, end) is free, with a stack's guard gap kept clear.
bool range_free(mm_struct* mm, u64 start, u64 end)
{
    if (end > TASK_SIZE || end < start)
        return false;
    vm_area_struct* next = find_vma(mm, start);
    return !next || next->vm_start >= end + ((next->vm_flags & VM_GROWSDOWN) ? STACK_GUARD_GAP : 0);
}

// Move [old_addr, old_addr + old_len) of vma (the whole range lies in it) to new_addr, new_len
// long; the old range ends unmapped.
lkm::ErrorOr<u64> move_vma(vm_area_struct* vma, u64 old_addr, u64 old_len, u64 new_addr, u64 new_len)
{
    mm_struct* mm = vma->vm_mm;
    vm_area_struct* moved = TRY(vm_area_alloc(mm));
    *moved = *vma;
    moved->vm_rb = {};
    moved->vm_start = new_addr;
    moved->vm_end = new_addr + new_len;
    if (moved->vm_file) {
        get_file(moved->vm_file);
        moved->vm_pgoff += (old_addr - vma->vm_start) / PAGE_SIZE;
    }
    vma_link(moved);
    if (auto pages = move_page_tables(mm, old_addr, new_addr, min(old_len, new_len)); pages.is_error()) {
        // Put back what moved, then give the new range up.
        (void)move_page_tables(mm, new_addr, old_addr, min(old_len, new_len));
        zap_page_range(mm, new_addr, new_addr + new_len);
        vma_unlink(moved);
        vm_area_free(moved);
        return pages.release_error();
    }
    TRY(do_munmap(mm, old_addr, old_len));
    vma_merge_neighbours(moved);
    return new_addr;
}

lkm::ErrorOr<u64> do_mremap(u64 old_addr, u64 old_len, u64 new_len, unsigned long flags, u64 new_addr)
{
    if (flags & ~(LKM_MREMAP_MAYMOVE | LKM_MREMAP_FIXED))
        return lkm::Error::from_errno(LKM_EINVAL, "mremap: unsupported flags");
    if ((flags & LKM_MREMAP_FIXED) && !(flags & LKM_MREMAP_MAYMOVE))
        return lkm::Error::from_errno(LKM_EINVAL, "mremap: MREMAP_FIXED without MREMAP_MAYMOVE");
    if (old_addr & (PAGE_SIZE - 1))
        return lkm::Error::from_errno(LKM_EINVAL, "mremap: address not page-aligned");
    if (old_len > TASK_SIZE || new_len > TASK_SIZE)
        return lkm::Error::from_errno(LKM_EINVAL, "mremap: length beyond user space");
    old_len = align_up(old_len, PAGE_SIZE);
    new_len = align_up(new_len, PAGE_SIZE);
    if (new_len == 0 || old_len == 0) // old_len 0 duplicates a shared mapping: there are none
        return lkm::Error::from_errno(LKM_EINVAL, "mremap: zero length");

    mm_struct* mm = current()->mm;
    vm_area_struct* vma = find_vma(mm, old_addr);
    if (!vma || vma->vm_start > old_addr || old_addr + old_len > vma->vm_end)
        return lkm::Error::from_errno(LKM_EFAULT, "mremap: old range is not one mapping");

    if (flags & LKM_MREMAP_FIXED) {
        if (new_addr & (PAGE_SIZE - 1))
            return lkm::Error::from_errno(LKM_EINVAL, "mremap: new address not page-aligned");
        if (new_addr < MMAP_MIN_ADDR || new_addr > TASK_SIZE - new_len)
            return lkm::Error::from_errno(LKM_EINVAL, "mremap: new range outside user space");
        if (new_addr < old_addr + old_len && old_addr < new_addr + new_len)
            return lkm::Error::from_errno(LKM_EINVAL, "mremap: new range overlaps the old one");
        TRY(do_munmap(mm, new_addr, new_len));
        vma = find_vma(mm, old_addr); // the unmap may have split VMAs, never this range's
        return move_vma(vma, old_addr, old_len, new_addr, new_len);
    }
    if (new_len <= old_len) {
        if (new_len < old_len)
            TRY(do_munmap(mm, old_addr + new_len, old_len - new_len));
        return old_addr;
    }
    // In place, when the range ends the VMA and the space after it is free.
    if (old_addr + old_len == vma->vm_end && range_free(mm, vma->vm_end, old_addr + new_len)) {
        u64 grown = (old_addr + new_len - vma->vm_end) / PAGE_SIZE;
        vma->vm_end = old_addr + new_len; // into free space: the tree's order stays
        mm->total_vm += grown;
        if (vma->vm_flags & VM_GROWSDOWN)
            mm->stack_vm += grown;
        vma_merge_neighbours(vma);
        return old_addr;
    }
    if (!(flags & LKM_MREMAP_MAYMOVE))
        return lkm::Error::from_errno(LKM_ENOMEM, "mremap: no room to grow in place");
    u64 target = TRY(find_unmapped_area_topdown(mm, new_len, MMAP_MIN_ADDR, mm->mmap_base));
    return move_vma(vma, old_addr, old_len, target, new_len);
}

} // namespace

long sys_mremap(uint64_t addr, size_t old_len, size_t new_len, unsigned long flags, uint64_t new_addr)
{
    auto moved = do_mremap(addr, old_len, new_len, flags, new_addr);
    return moved.is_error() ? errno_of(moved.error()) : static_cast<long>(moved.value());
}
