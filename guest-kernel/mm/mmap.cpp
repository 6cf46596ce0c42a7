// Address spaces and their mappings (Linux's kernel/fork.c mm half and mm/mmap.c): mm_alloc,
// mmput and dup_mm; mmap, munmap and brk with Linux's semantics and errnos; the stack's growth.
// Anonymous and private file mappings; MAP_SHARED is refused with EINVAL (a shared page would
// need a page cache, which this kernel does not have).
#include <lkmemu/errno.h>
#include <lkmemu/mman.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <kernel/fs.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/syscalls.h>
#include <mm/internal.h>

namespace {

unsigned long calc_vm_flags(unsigned long prot)
{
    return ((prot & LKM_PROT_READ) ? VM_READ : 0) | ((prot & LKM_PROT_WRITE) ? VM_WRITE : 0) |
           ((prot & LKM_PROT_EXEC) ? VM_EXEC : 0);
}

// Unmap [start, end) of vma's neighbourhood: split the VMAs that straddle its ends, zap the pages,
// free the VMAs inside. ENOMEM only from a split, before anything is unmapped.
lkm::ErrorOr<void> unmap_region(mm_struct* mm, u64 start, u64 end)
{
    vm_area_struct* vma = find_vma(mm, start);
    if (!vma || vma->vm_start >= end)
        return {};
    if (vma->vm_start < start)
        vma = TRY(split_vma(vma, start));
    if (vm_area_struct* last = find_vma(mm, end - 1); last && last->vm_start < end && last->vm_end > end)
        TRY(split_vma(last, end));
    zap_page_range(mm, start, end);
    while (vma && vma->vm_start < end) {
        vm_area_struct* next = vma_next(vma);
        vma_unlink(vma);
        vm_area_free(vma);
        vma = next;
    }
    return {};
}

} // namespace

lkm::ErrorOr<mm_struct*> mm_alloc()
{
    auto* mm = static_cast<mm_struct*>(kmalloc(sizeof(mm_struct)));
    if (!mm)
        return lkm::Error::from_errno(LKM_ENOMEM, "no memory for an mm_struct");
    auto pgd = pgd_alloc();
    if (pgd.is_error()) {
        kfree(mm);
        return pgd.release_error();
    }
    mm->pgd = pgd.value();
    mm->mmap_base = MMAP_BASE;
    mm->mm_users = 1;
    return mm;
}

void mmput(mm_struct* mm)
{
    if (--mm->mm_users > 0)
        return;
    while (rb_node* node = rb_first(&mm->mm_rb)) {
        vm_area_struct* vma = rb_entry(node, vm_area_struct, vm_rb);
        zap_page_range(mm, vma->vm_start, vma->vm_end);
        vma_unlink(vma);
        vm_area_free(vma);
    }
    pgd_free(mm->pgd);
    kfree(mm);
}

lkm::ErrorOr<mm_struct*> dup_mm(mm_struct* old)
{
    mm_struct* mm = TRY(mm_alloc());
    u64 pgd = mm->pgd;
    *mm = *old;
    mm->pgd = pgd;
    mm->mm_rb = {};
    mm->map_count = mm->total_vm = mm->stack_vm = mm->rss_pages = 0;
    mm->mm_users = 1;
    for (rb_node* node = rb_first(&old->mm_rb); node; node = rb_next(node)) {
        vm_area_struct* from = rb_entry(node, vm_area_struct, vm_rb);
        auto copy = vm_area_alloc(mm);
        if (copy.is_error()) {
            mmput(mm);
            return copy.release_error();
        }
        vm_area_struct* vma = copy.value();
        *vma = *from;
        vma->vm_mm = mm;
        vma->vm_rb = {};
        if (vma->vm_file)
            get_file(vma->vm_file);
        vma_link(vma);
        if (auto copied = copy_page_range(mm, from); copied.is_error()) {
            mmput(mm);
            return copied.release_error();
        }
    }
    // The parent's writable PTEs are read-only now: its TLB must not keep the old ones.
    write_cr3(read_cr3());
    return mm;
}

lkm::ErrorOr<void> expand_stack(vm_area_struct* vma, u64 address)
{
    u64 new_start = align_down(address, PAGE_SIZE);
    if (vma->vm_end - new_start > RLIMIT_STACK_DEFAULT)
        return lkm::Error::from_errno(LKM_ENOMEM, "stack beyond RLIMIT_STACK");
    vm_area_struct* prev = vma_prev(vma);
    if (new_start < MMAP_MIN_ADDR + STACK_GUARD_GAP ||
        (prev && prev->vm_end > new_start - STACK_GUARD_GAP))
        return lkm::Error::from_errno(LKM_ENOMEM, "stack would grow into the guard gap");
    // vm_start moves down into free space: the tree's order stays.
    u64 grown = (vma->vm_start - new_start) / PAGE_SIZE;
    vma->vm_start = new_start;
    vma->vm_mm->total_vm += grown;
    vma->vm_mm->stack_vm += grown;
    return {};
}

lkm::ErrorOr<void> do_munmap(mm_struct* mm, u64 start, u64 len)
{
    if ((start & (PAGE_SIZE - 1)) || start > TASK_SIZE || len > TASK_SIZE - start)
        return lkm::Error::from_errno(LKM_EINVAL, "munmap: bad range");
    len = align_up(len, PAGE_SIZE);
    if (len == 0)
        return lkm::Error::from_errno(LKM_EINVAL, "munmap: empty range");
    return unmap_region(mm, start, start + len);
}

lkm::ErrorOr<u64> do_mmap(mm_struct* mm, file* f, u64 addr, u64 len, unsigned long prot, unsigned long flags,
                          unsigned long vm_extra, u64 pgoff)
{
    if (len == 0)
        return lkm::Error::from_errno(LKM_EINVAL, "mmap: zero length");
    if (len > TASK_SIZE)
        return lkm::Error::from_errno(LKM_ENOMEM, "mmap: length beyond user space");
    len = align_up(len, PAGE_SIZE);
    if (prot & ~(LKM_PROT_READ | LKM_PROT_WRITE | LKM_PROT_EXEC))
        return lkm::Error::from_errno(LKM_EINVAL, "mmap: unknown protection bits");
    switch (flags & LKM_MAP_TYPE) {
    case LKM_MAP_PRIVATE:
        break;
    case LKM_MAP_SHARED:
    case LKM_MAP_SHARED_VALIDATE:
        return lkm::Error::from_errno(LKM_EINVAL, "mmap: MAP_SHARED is not supported");
    default:
        return lkm::Error::from_errno(LKM_EINVAL, "mmap: neither MAP_PRIVATE nor MAP_SHARED");
    }
    if (pgoff + len / PAGE_SIZE < pgoff)
        return lkm::Error::from_errno(LKM_EINVAL, "mmap: offset overflows"); // Linux's EOVERFLOW
    if (f) {
        if (!f->f_op->read_kernel)
            return lkm::Error::from_errno(LKM_ENODEV, "mmap: the file cannot be mapped");
        if ((f->f_flags & O_ACCMODE) == O_WRONLY)
            return lkm::Error::from_errno(LKM_EACCES, "mmap: file not open for reading");
    }

    bool fixed = flags & (LKM_MAP_FIXED | LKM_MAP_FIXED_NOREPLACE);
    if (fixed) {
        if (addr & (PAGE_SIZE - 1))
            return lkm::Error::from_errno(LKM_EINVAL, "mmap: MAP_FIXED address not page-aligned");
        if (addr > TASK_SIZE - len)
            return lkm::Error::from_errno(LKM_ENOMEM, "mmap: range beyond user space");
        if (addr < MMAP_MIN_ADDR)
            return lkm::Error::from_errno(LKM_EPERM, "mmap: below mmap_min_addr");
        if ((flags & LKM_MAP_FIXED_NOREPLACE) && find_vma_intersection(mm, addr, addr + len))
            return lkm::Error::from_errno(LKM_EEXIST, "mmap: MAP_FIXED_NOREPLACE range is in use");
    } else {
        // A hint is taken when the range there is free; else the highest free range below
        // mmap_base.
        addr = align_up(addr, PAGE_SIZE);
        if (!addr || addr < MMAP_MIN_ADDR || addr > TASK_SIZE - len || find_vma_intersection(mm, addr, addr + len))
            addr = TRY(find_unmapped_area_topdown(mm, len, MMAP_MIN_ADDR, mm->mmap_base));
    }

    // Allocated before MAP_FIXED unmaps what is there, so that ENOMEM leaves the old mapping.
    vm_area_struct* vma = TRY(vm_area_alloc(mm));
    if (fixed) {
        if (auto unmapped = unmap_region(mm, addr, addr + len); unmapped.is_error()) {
            vm_area_free(vma);
            return unmapped.release_error();
        }
    }
    vma->vm_start = addr;
    vma->vm_end = addr + len;
    vma->vm_flags = calc_vm_flags(prot) | VM_MAY_FLAGS | vm_extra;
    if (flags & LKM_MAP_GROWSDOWN)
        vma->vm_flags |= VM_GROWSDOWN;
    vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
    if (f) {
        vma->vm_file = get_file(f);
        vma->vm_pgoff = pgoff;
    }
    vma_link(vma);
    vma = vma_merge_neighbours(vma);
    if (flags & LKM_MAP_POPULATE) {
        for (u64 va = addr; va < addr + len; va += PAGE_SIZE) {
            if (handle_mm_fault(vma, va, false) != vm_fault_t::done)
                break; // Linux's populate is best effort too: the pages come at fault time
        }
    }
    return addr;
}

long sys_mmap(uint64_t addr, size_t len, unsigned long prot, unsigned long flags, unsigned long fd, unsigned long off)
{
    if (off & (PAGE_SIZE - 1))
        return -LKM_EINVAL;
    file* f = nullptr;
    if (!(flags & LKM_MAP_ANONYMOUS)) {
        f = fd_get(static_cast<int>(fd));
        if (!f)
            return -LKM_EBADF;
    }
    auto mapped = do_mmap(current()->mm, f, addr, len, prot, flags, 0, off / PAGE_SIZE);
    return mapped.is_error() ? errno_of(mapped.error()) : static_cast<long>(mapped.value());
}

long sys_munmap(uint64_t addr, size_t len)
{
    auto unmapped = do_munmap(current()->mm, addr, len);
    return unmapped.is_error() ? errno_of(unmapped.error()) : 0;
}

// Linux's brk: the heap ends at the new break (rounded up to a page) if it can; the answer is
// the break in force afterwards, which is how a failure shows.
long sys_brk(uint64_t brk)
{
    mm_struct* mm = current()->mm;
    if (brk < mm->start_brk || brk > TASK_SIZE)
        return static_cast<long>(mm->brk);
    u64 new_end = align_up(brk, PAGE_SIZE), old_end = align_up(mm->brk, PAGE_SIZE);
    if (new_end < old_end) {
        if (do_munmap(mm, new_end, old_end - new_end).is_error())
            return static_cast<long>(mm->brk);
    } else if (new_end > old_end) {
        // Not into another mapping, nor into a stack's guard gap.
        vm_area_struct* next = find_vma(mm, old_end);
        if (next && next->vm_start < new_end + ((next->vm_flags & VM_GROWSDOWN) ? STACK_GUARD_GAP : 0))
            return static_cast<long>(mm->brk);
        auto grown = do_mmap(mm, nullptr, old_end, new_end - old_end, LKM_PROT_READ | LKM_PROT_WRITE,
                             LKM_MAP_PRIVATE | LKM_MAP_ANONYMOUS | LKM_MAP_FIXED_NOREPLACE, 0, 0);
        if (grown.is_error())
            return static_cast<long>(mm->brk);
    }
    mm->brk = brk;
    return static_cast<long>(brk);
}
