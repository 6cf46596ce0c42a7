// Kernel stacks with guard space (Linux's CONFIG_VMAP_STACK). The area [VMAP_STACK_START,
// VMAP_STACK_END) is cut into VMAP_STACK_SLOT-sized slots; a stack occupies the top of its slot
// and the rest stays unmapped, so an overflow (or a frame that probes its way down, as
// -fstack-clash-protection makes every large frame do) faults there and the #DF handler can tell
// it from any other fault. Pages are allocated one by one: a stack needs no physically
// contiguous memory.
//
// Slots are handed out in address order; a freed slot's descriptor goes to a free list and is
// reused with its slot, so descriptors are as many as the most stacks ever alive at once, and
// freeing needs no memory. The end of boot makes VMAP_STACK_CACHED descriptors ahead (Linux keeps cached
// stacks per CPU for the same reason): the stacks a harness command's tasks need at once -- init's
// child running insmod, a module call's own stack, a shell and its pipeline -- then come from the
// list, so /proc/meminfo returns to its post-boot value after each command. The whole area is one PML4 entry, created at boot: every process's
// top-level table shares it (pgd_alloc copies the kernel half), so a stack mapped later is
// visible in all address spaces.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/slab.h>
#include <kernel/vmap_stack.h>
#include <mm/internal.h>

namespace {

constexpr unsigned VMAP_STACK_CACHED = 8;

u64 g_next_slot = VMAP_STACK_START; // the lowest slot never handed out
vm_stack* g_free_slots;             // freed slots, their descriptors kept

u64 slot_of(const vm_stack* stack) { return align_down(stack->begin, VMAP_STACK_SLOT); }

lkm::ErrorOr<void> map_stack_page(u64 va)
{
    u64 phys = TRY(alloc_page());
    auto mapped = map_page(kernel_pml4_phys(), va, phys, PAGE_KERNEL);
    if (mapped.is_error())
        free_page(phys);
    return mapped;
}

void unmap_stack_pages(u64 begin, u64 end)
{
    for (u64 va = begin; va < end; va += PAGE_SIZE) {
        auto phys = unmap_page(kernel_pml4_phys(), va);
        if (!phys.is_error())
            free_page(phys.value());
    }
}

} // namespace

void vmap_stack_init()
{
    // The PML4 entry and the tables of the first 2 MiB (64 slots): the first stacks then map
    // without allocating tables, and kernel_meminfo does not move with them.
    auto pte = walk_to_pte(kernel_pml4_phys(), VMAP_STACK_START, WalkMode::Create);
    if (pte.is_error())
        panic("vmap_stack_init: no memory for the stack area's page tables");
}

void vmap_stack_cache_init()
{
    for (unsigned i = 0; i < VMAP_STACK_CACHED && g_next_slot + VMAP_STACK_SLOT <= VMAP_STACK_END; i++) {
        auto* stack = static_cast<vm_stack*>(kmalloc(sizeof(vm_stack)));
        if (!stack)
            return; // only the baseline suffers: the stacks are made when needed instead
        u64 slot = g_next_slot;
        *stack = { slot + VMAP_STACK_SLOT - PAGE_SIZE, slot + VMAP_STACK_SLOT, "free", g_free_slots }; // slot_of() finds the slot
        g_free_slots = stack;
        g_next_slot = slot + VMAP_STACK_SLOT;
    }
}

lkm::ErrorOr<vm_stack*> vmap_stack_alloc(size_t size, const char* type)
{
    if (!size || size % PAGE_SIZE || size > VMAP_STACK_SLOT - PAGE_SIZE)
        return lkm::Error::from_errno(LKM_EINVAL, "vmap_stack_alloc: bad stack size");
    vm_stack* stack = g_free_slots;
    u64 slot;
    if (stack) {
        slot = slot_of(stack);
    } else {
        if (g_next_slot == VMAP_STACK_END)
            return lkm::Error::from_errno(LKM_ENOMEM, "vmap_stack_alloc: the stack area is full");
        stack = static_cast<vm_stack*>(kmalloc(sizeof(vm_stack)));
        if (!stack)
            return lkm::Error::from_errno(LKM_ENOMEM, "vmap_stack_alloc: no memory for the descriptor");
        slot = g_next_slot;
    }
    u64 end = slot + VMAP_STACK_SLOT, begin = end - size;
    for (u64 va = begin; va < end; va += PAGE_SIZE) {
        auto mapped = map_stack_page(va);
        if (mapped.is_error()) {
            unmap_stack_pages(begin, va);
            if (stack != g_free_slots)
                kfree(stack);
            return mapped.release_error();
        }
    }
    if (stack == g_free_slots)
        g_free_slots = stack->next_free;
    else
        g_next_slot += VMAP_STACK_SLOT;
    *stack = { begin, end, type, nullptr };
    return stack;
}

void vmap_stack_free(vm_stack* stack)
{
    unmap_stack_pages(stack->begin, stack->end);
    stack->next_free = g_free_slots;
    g_free_slots = stack;
}

bool vmap_stack_guard_hit(const vm_stack* stack, u64 address)
{
    return address >= slot_of(stack) && address < stack->begin;
}
