// The module area (Linux's module_alloc on top of vmalloc): page-granular allocations in
// [MODULES_VADDR, MODULES_END), within +-2 GiB of the kernel text so that the kernel code model's
// 32-bit relocations reach, each followed by an unmapped guard page. The pages are really mapped
// (rw- NX, from the page allocator) and really unmapped when freed.
//
// The address space is managed as mm/vmalloc.c manages it: every part of the area is one
// vmap_area, free or busy, and together they tile the area in address order (a list, so a freed
// area finds its neighbours at once and merges with the free ones). Free areas are also in a tree
// by address, each node knowing the largest free area beneath it, so the lowest fit is found in
// O(log n) (Linux's find_vmap_lowest_match); busy areas are in a tree by address, so a free finds
// its area in O(log n). Descriptors are kmalloc'd, as many as there are allocations: there is no
// cap but memory. An allocation needs at most one new descriptor, taken before anything changes;
// a free needs none (the busy descriptor becomes free or merges away), so freeing cannot fail.
//
// The page tables covering the first MODULE_AREA_PREALLOC bytes are allocated at boot, as
// Linux preallocates the vmalloc area's upper levels: they then never come and go with the
// modules, and kernel_meminfo returns exactly to its baseline after the last rmmod. The lowest
// fit keeps allocations low, inside them.
#include "internal.h"

#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/rbtree.h>
#include <kernel/slab.h>

namespace {

constexpr u64 MODULE_AREA_PREALLOC = 64ull << 20; // page tables for the first 64 MiB

struct vmap_area {
    u64 start, end;          // [start, end); a busy area's last page is its guard page
    vmap_area* prev;         // the tiling, by address
    vmap_area* next;
    rb_node rb;              // in the free tree or the busy tree, by start
    u64 subtree_max_size;    // in the free tree: the largest area in this subtree
    bool busy;

    u64 size() const { return end - start; }
};

vmap_area* area_of(rb_node* node) { return rb_entry(node, vmap_area, rb); }
u64 subtree_max(const rb_node* node) { return node ? rb_entry_const(node, vmap_area, rb)->subtree_max_size : 0; }

bool by_start(const rb_node* a, const rb_node* b)
{
    return rb_entry_const(a, vmap_area, rb)->start < rb_entry_const(b, vmap_area, rb)->start;
}

// The free tree's augmentation (Linux's free_vmap_area_rb_augment_cb).
bool compute_subtree_max_size(rb_node* node)
{
    vmap_area* va = area_of(node);
    u64 computed = max(va->size(), max(subtree_max(node->rb_left), subtree_max(node->rb_right)));
    if (computed == va->subtree_max_size)
        return false;
    va->subtree_max_size = computed;
    return true;
}

void copy_subtree_max_size(const rb_node* from, rb_node* to) { area_of(to)->subtree_max_size = subtree_max(from); }

constexpr rb_augment_callbacks free_area_augment = { compute_subtree_max_size, copy_subtree_max_size };

// Free areas by start, each node knowing the largest free area beneath it.
struct free_tree {
    rb_root root;

    void insert(vmap_area* va) { rb_add_augmented(&va->rb, &root, &free_area_augment, by_start); }
    void erase(vmap_area* va) { rb_erase_augmented(&va->rb, &root, &free_area_augment); }
    // After va's size changed in place (its order among the others did not): fix the
    // augmentation on its path.
    void refresh(vmap_area* va) { rb_augment_propagate(&va->rb, &free_area_augment); }

    // The lowest-addressed area of at least size bytes (everything left of a node lies below it;
    // Linux's find_vmap_lowest_match).
    vmap_area* lowest_match(u64 size) const
    {
        rb_node* n = root.rb_node;
        while (n) {
            if (subtree_max(n->rb_left) >= size)
                n = n->rb_left;
            else if (area_of(n)->size() >= size)
                return area_of(n);
            else if (subtree_max(n->rb_right) >= size)
                n = n->rb_right;
            else
                return nullptr;
        }
        return nullptr;
    }
};

// Allocations by start.
struct busy_tree {
    rb_root root;

    void insert(vmap_area* va) { rb_add(&va->rb, &root, by_start); }
    void erase(vmap_area* va) { rb_erase(&va->rb, &root); }

    vmap_area* find(u64 start) const
    {
        rb_node* n = root.rb_node;
        while (n && area_of(n)->start != start)
            n = start < area_of(n)->start ? n->rb_left : n->rb_right;
        return n ? area_of(n) : nullptr;
    }
};

free_tree g_free; // free areas
busy_tree g_busy; // allocations

void list_insert_before(vmap_area* va, vmap_area* next)
{
    va->prev = next->prev;
    va->next = next;
    if (next->prev)
        next->prev->next = va;
    next->prev = va;
}

void list_remove(vmap_area* va)
{
    if (va->prev)
        va->prev->next = va->next;
    if (va->next)
        va->next->prev = va->prev;
}

// A busy area (out of the busy tree) goes back to the free space, merged with free neighbours
// (Linux's merge_or_add_vmap_area).
void release_area(vmap_area* va)
{
    vmap_area* prev = va->prev && !va->prev->busy ? va->prev : nullptr;
    vmap_area* next = va->next && !va->next->busy ? va->next : nullptr;
    if (prev && next) {
        g_free.erase(next);
        prev->end = next->end;
        list_remove(va);
        list_remove(next);
        kfree(va);
        kfree(next);
        g_free.refresh(prev);
    } else if (prev) {
        prev->end = va->end;
        list_remove(va);
        kfree(va);
        g_free.refresh(prev);
    } else if (next) {
        next->start = va->start; // still between the same free neighbours: the tree order holds
        list_remove(va);
        kfree(va);
        g_free.refresh(next);
    } else {
        va->busy = false;
        g_free.insert(va);
    }
}

// Takes `size` bytes from the start of the lowest free area that holds them.
lkm::ErrorOr<vmap_area*> reserve_area(u64 size)
{
    vmap_area* free = g_free.lowest_match(size);
    if (!free)
        return lkm::Error::from_errno(LKM_ENOMEM, "module area exhausted");
    if (free->size() == size) {
        g_free.erase(free);
        free->busy = true;
        return free;
    }
    auto* va = static_cast<vmap_area*>(kmalloc(sizeof(vmap_area)));
    if (!va)
        return lkm::Error::from_errno(LKM_ENOMEM, "out of memory for a module area descriptor");
    *va = {};
    va->start = free->start;
    va->end = free->start + size;
    va->busy = true;
    list_insert_before(va, free);
    free->start = va->end; // shrinks from below: its place in the tree holds
    g_free.refresh(free);
    return va;
}

void unmap_and_free(u64 base, u64 pages)
{
    for (u64 i = 0; i < pages; i++) {
        auto phys = unmap_page(kernel_pml4_phys(), base + i * PAGE_SIZE);
        if (phys.is_error())
            panic("module_memfree: %#lx: %s", base + i * PAGE_SIZE, phys.error().reason);
        free_page(phys.value());
        kernel_meminfo.module_area_pages--;
    }
}

} // namespace

void module_area_init()
{
    // Map and unmap one page per 2 MiB: map_page creates the page table, unmap_page leaves it.
    auto scratch = alloc_page();
    if (scratch.is_error())
        panic("module area: no memory for its page tables");
    for (u64 va = MODULES_VADDR; va < MODULES_VADDR + MODULE_AREA_PREALLOC; va += PMD_SIZE) {
        auto mapped = map_page(kernel_pml4_phys(), va, scratch.value(), PAGE_KERNEL);
        if (mapped.is_error())
            panic("module area: cannot build page tables at %#lx: %s", va, mapped.error().reason);
        (void)unmap_page(kernel_pml4_phys(), va);
    }
    free_page(scratch.value());

    auto* whole = static_cast<vmap_area*>(kmalloc(sizeof(vmap_area)));
    if (!whole)
        panic("module area: no memory for its descriptor");
    *whole = {};
    whole->start = MODULES_VADDR;
    whole->end = MODULES_END;
    g_free.insert(whole);
}

lkm::ErrorOr<u64> module_alloc(size_t size)
{
    if (size == 0 || size % PAGE_SIZE)
        return lkm::Error::from_errno(LKM_EINVAL, "module_alloc: size is not a whole number of pages");
    u64 pages = size / PAGE_SIZE;
    if (pages >= (MODULES_END - MODULES_VADDR) / PAGE_SIZE)
        return lkm::Error::from_errno(LKM_ENOMEM, "module area exhausted");
    vmap_area* va = TRY(reserve_area((pages + 1) * PAGE_SIZE)); // and the guard page

    for (u64 i = 0; i < pages; i++) {
        auto phys = alloc_pages(1, page_contents::uninitialised); // move_module clears it
        lkm::ErrorOr<void> mapped = phys.is_error()
            ? lkm::ErrorOr<void>(lkm::Error::from_errno(LKM_ENOMEM, "out of memory for module pages"))
            : map_page(kernel_pml4_phys(), va->start + i * PAGE_SIZE, phys.value(), PAGE_KERNEL);
        if (mapped.is_error()) {
            if (!phys.is_error())
                free_page(phys.value());
            unmap_and_free(va->start, i);
            release_area(va);
            return mapped.release_error();
        }
        kernel_meminfo.module_area_pages++;
    }
    g_busy.insert(va);
    return va->start;
}

void module_memfree(u64 address, size_t size)
{
    vmap_area* va = g_busy.find(address);
    if (!va)
        panic("module_memfree: %#lx is not a module area allocation", address);
    u64 pages = va->size() / PAGE_SIZE - 1;
    if (pages * PAGE_SIZE != size)
        panic("module_memfree: %#lx freed with size %#lx, allocated %#lx", address, size, pages * PAGE_SIZE);
    unmap_and_free(address, pages);
    g_busy.erase(va);
    release_area(va);
}
