// The VMA tree of an address space (Linux's mm/vma.c and the VMA half of mm/mmap.c): lookup,
// linking, splitting, merging and the search for a free range. Nothing here touches a page table:
// callers zap or change the pages of a range themselves (mm/memory.cpp), which keeps this part
// testable on the host (tests/kernel/vma_test.cpp).
#include <asm/page.h>
#include <kernel/fs.h>
#include <kernel/mm.h>
#include <kernel/slab.h>

namespace {

vm_area_struct* vma_of(rb_node* node) { return node ? rb_entry(node, vm_area_struct, vm_rb) : nullptr; }

u64 vma_pages(const vm_area_struct* vma) { return (vma->vm_end - vma->vm_start) / PAGE_SIZE; }

// The space below a stack VMA that nothing else may take: a stack grows down into it.
u64 guard_below(const vm_area_struct* vma) { return (vma->vm_flags & VM_GROWSDOWN) ? STACK_GUARD_GAP : 0; }

} // namespace

vm_area_struct* find_vma(mm_struct* mm, u64 addr)
{
    rb_node* node = mm->mm_rb.rb_node;
    vm_area_struct* found = nullptr;
    while (node) {
        vm_area_struct* vma = vma_of(node);
        if (vma->vm_end > addr) {
            found = vma;
            if (vma->vm_start <= addr)
                break;
            node = node->rb_left;
        } else {
            node = node->rb_right;
        }
    }
    return found;
}

vm_area_struct* find_vma_intersection(mm_struct* mm, u64 start, u64 end)
{
    vm_area_struct* vma = find_vma(mm, start);
    return vma && vma->vm_start < end ? vma : nullptr;
}

vm_area_struct* vma_next(vm_area_struct* vma) { return vma_of(rb_next(&vma->vm_rb)); }
vm_area_struct* vma_prev(vm_area_struct* vma) { return vma_of(rb_prev(&vma->vm_rb)); }

lkm::ErrorOr<vm_area_struct*> vm_area_alloc(mm_struct* mm)
{
    auto* vma = static_cast<vm_area_struct*>(kmalloc(sizeof(vm_area_struct)));
    if (!vma)
        return lkm::Error::from_errno(LKM_ENOMEM, "no memory for a VMA");
    vma->vm_mm = mm;
    return vma;
}

void vm_area_free(vm_area_struct* vma)
{
    if (vma->vm_file)
        fput(vma->vm_file);
    kfree(vma);
}

void vma_link(vm_area_struct* vma)
{
    mm_struct* mm = vma->vm_mm;
    rb_add(&vma->vm_rb, &mm->mm_rb, [](const rb_node* a, const rb_node* b) {
        return rb_entry_const(a, vm_area_struct, vm_rb)->vm_start < rb_entry_const(b, vm_area_struct, vm_rb)->vm_start;
    });
    mm->map_count++;
    mm->total_vm += vma_pages(vma);
    if (vma->vm_flags & VM_GROWSDOWN)
        mm->stack_vm += vma_pages(vma);
}

void vma_unlink(vm_area_struct* vma)
{
    mm_struct* mm = vma->vm_mm;
    rb_erase(&vma->vm_rb, &mm->mm_rb);
    mm->map_count--;
    mm->total_vm -= vma_pages(vma);
    if (vma->vm_flags & VM_GROWSDOWN)
        mm->stack_vm -= vma_pages(vma);
}

lkm::ErrorOr<vm_area_struct*> split_vma(vm_area_struct* vma, u64 addr)
{
    vm_area_struct* upper = TRY(vm_area_alloc(vma->vm_mm));
    *upper = *vma;
    upper->vm_rb = {};
    upper->vm_start = addr;
    if (upper->vm_file) {
        get_file(upper->vm_file);
        upper->vm_pgoff += (addr - vma->vm_start) / PAGE_SIZE;
    }
    // The tree is ordered by vm_start, which shrinking vma's end does not change; the counters
    // move with the pages from one VMA to the other.
    mm_struct* mm = vma->vm_mm;
    u64 moved = (vma->vm_end - addr) / PAGE_SIZE;
    mm->total_vm -= moved;
    if (vma->vm_flags & VM_GROWSDOWN)
        mm->stack_vm -= moved;
    vma->vm_end = addr;
    vma_link(upper);
    return upper;
}

bool vma_can_merge(const vm_area_struct* a, const vm_area_struct* b)
{
    if (a->vm_end != b->vm_start || a->vm_flags != b->vm_flags || a->vm_page_prot.bits != b->vm_page_prot.bits ||
        a->vm_file != b->vm_file)
        return false;
    return !a->vm_file || a->vm_pgoff + vma_pages(a) == b->vm_pgoff;
}

vm_area_struct* vma_merge_neighbours(vm_area_struct* vma)
{
    mm_struct* mm = vma->vm_mm;
    auto absorb_next = [mm](vm_area_struct* into, vm_area_struct* next) {
        u64 end = next->vm_end;
        vma_unlink(next);
        vm_area_free(next);
        u64 grown = (end - into->vm_end) / PAGE_SIZE;
        into->vm_end = end;
        mm->total_vm += grown;
        if (into->vm_flags & VM_GROWSDOWN)
            mm->stack_vm += grown;
    };
    if (vm_area_struct* next = vma_next(vma); next && vma_can_merge(vma, next))
        absorb_next(vma, next);
    if (vm_area_struct* prev = vma_prev(vma); prev && vma_can_merge(prev, vma)) {
        absorb_next(prev, vma);
        return prev;
    }
    return vma;
}

lkm::ErrorOr<u64> find_unmapped_area_topdown(mm_struct* mm, u64 length, u64 low, u64 high)
{
    if (length == 0 || high < low || length > high - low)
        return lkm::Error::from_errno(LKM_ENOMEM, "no free range that large");
    // From the VMA at or above high downwards, each gap between two VMAs in turn: the first that
    // holds length below high is the highest one. Address spaces keep few VMAs (adjacent ones
    // merge), and the first gap under mmap_base usually fits.
    vm_area_struct* above = find_vma(mm, high);
    vm_area_struct* below = above ? vma_prev(above) : vma_of(rb_last(&mm->mm_rb));
    for (;;) {
        u64 gap_end = above ? min(high, above->vm_start - min(above->vm_start, guard_below(above))) : high;
        u64 gap_start = below ? max(low, below->vm_end) : low;
        if (gap_end >= gap_start && gap_end - gap_start >= length)
            return align_down(gap_end - length, PAGE_SIZE);
        if (!below || below->vm_end <= low)
            return lkm::Error::from_errno(LKM_ENOMEM, "no free range that large");
        above = below;
        below = vma_prev(below);
    }
}

pgprot_t vm_get_page_prot(unsigned long vm_flags)
{
    // x86 cannot map a page writable or executable but not readable: those imply read (Linux's
    // protection_map). PROT_NONE leaves the PTE not present, so every access faults.
    if (!(vm_flags & VM_ACCESS_FLAGS))
        return { _PAGE_PROTNONE | _PAGE_USER | _PAGE_NX };
    u64 bits = _PAGE_PRESENT | _PAGE_USER;
    if (vm_flags & VM_WRITE)
        bits |= _PAGE_RW;
    if (!(vm_flags & VM_EXEC))
        bits |= _PAGE_NX;
    return { bits };
}
