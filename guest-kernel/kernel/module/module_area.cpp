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
#include <kernel/slab.h>

namespace {

constexpr u64 MODULE_AREA_PREALLOC = 64ull << 20; // page tables for the first 64 MiB

struct vmap_area {
    u64 start, end;          // [start, end); a busy area's last page is its guard page
    vmap_area* prev;         // the tiling, by address
    vmap_area* next;
    vmap_area* left;         // in the free tree or the busy tree, by start
    vmap_area* right;
    int height;              // AVL height of this subtree (a leaf is 1)
    u64 subtree_max_size;    // the largest area in this subtree (what the free tree searches by)
    bool busy;

    u64 size() const { return end - start; }
};

// An AVL tree of vmap_areas keyed by start, augmented with subtree_max_size.
struct area_tree {
    vmap_area* root = nullptr;

    void insert(vmap_area* va) { root = insert(root, va); }
    void erase(vmap_area* va) { root = erase(root, va->start); }
    // After va's size changed in place (its order among the others did not): fix the
    // augmentation on its path.
    void refresh(const vmap_area* va) { refresh(root, va->start); }

    vmap_area* find(u64 start) const
    {
        vmap_area* n = root;
        while (n && n->start != start)
            n = start < n->start ? n->left : n->right;
        return n;
    }

    // The lowest-addressed area of at least size bytes (everything left of a node lies below it).
    vmap_area* lowest_match(u64 size) const
    {
        vmap_area* n = root;
        while (n) {
            if (n->left && n->left->subtree_max_size >= size)
                n = n->left;
            else if (n->size() >= size)
                return n;
            else if (n->right && n->right->subtree_max_size >= size)
                n = n->right;
            else
                return nullptr;
        }
        return nullptr;
    }

private:
    static int height(const vmap_area* n) { return n ? n->height : 0; }
    static u64 max_size(const vmap_area* n) { return n ? n->subtree_max_size : 0; }

    static vmap_area* update(vmap_area* n)
    {
        n->height = 1 + max(height(n->left), height(n->right));
        n->subtree_max_size = max(n->size(), max(max_size(n->left), max_size(n->right)));
        return n;
    }

    static vmap_area* rotate_right(vmap_area* n)
    {
        vmap_area* l = n->left;
        n->left = l->right;
        l->right = update(n);
        return update(l);
    }

    static vmap_area* rotate_left(vmap_area* n)
    {
        vmap_area* r = n->right;
        n->right = r->left;
        r->left = update(n);
        return update(r);
    }

    static vmap_area* balance(vmap_area* n)
    {
        update(n);
        int skew = height(n->left) - height(n->right);
        if (skew > 1) {
            if (height(n->left->left) < height(n->left->right))
                n->left = rotate_left(n->left);
            return rotate_right(n);
        }
        if (skew < -1) {
            if (height(n->right->right) < height(n->right->left))
                n->right = rotate_right(n->right);
            return rotate_left(n);
        }
        return n;
    }

    static vmap_area* insert(vmap_area* n, vmap_area* va)
    {
        if (!n) {
            va->left = va->right = nullptr;
            return update(va);
        }
        if (va->start < n->start)
            n->left = insert(n->left, va);
        else
            n->right = insert(n->right, va);
        return balance(n);
    }

    // Unhooks the leftmost node of n's subtree into *min.
    static vmap_area* erase_min(vmap_area* n, vmap_area** min)
    {
        if (!n->left) {
            *min = n;
            return n->right;
        }
        n->left = erase_min(n->left, min);
        return balance(n);
    }

    static vmap_area* erase(vmap_area* n, u64 start)
    {
        if (!n)
            panic("module area: no area at %#lx in its tree", start);
        if (start < n->start) {
            n->left = erase(n->left, start);
            return balance(n);
        }
        if (start > n->start) {
            n->right = erase(n->right, start);
            return balance(n);
        }
        if (!n->right)
            return n->left;
        vmap_area* successor;
        vmap_area* right = erase_min(n->right, &successor);
        successor->left = n->left;
        successor->right = right;
        return balance(successor);
    }

    static void refresh(vmap_area* n, u64 start)
    {
        if (!n)
            panic("module area: no area at %#lx in its tree", start);
        if (start != n->start)
            refresh(start < n->start ? n->left : n->right, start);
        update(n);
    }
};

area_tree g_free; // free areas
area_tree g_busy; // allocations

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
        auto phys = alloc_page();
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
