// Kernel stacks in their own virtual area, each with unmapped guard space below it (Linux's
// CONFIG_VMAP_STACK): running off the bottom of a stack faults on the guard instead of silently
// overwriting whatever page lies below. Task stacks and the IST exception stacks come from here
// (mm/vmap_stack.cpp).
#pragma once

#include <kernel/types.h>
#include <loader/error_or.h>

struct vm_stack {
    u64 begin;          // lowest mapped address
    u64 end;            // one past the highest: the initial stack pointer
    const char* type;   // what the oops calls it: "TASK", "#DF", "NMI", "#MC"
    vm_stack* next_free; // in the allocator's list of unused slots
};

// Build the area's page tables (its top-level entry must exist before the first process's PML4
// copies the kernel half).
void vmap_stack_init();
// At the end of boot, once its own stacks exist: descriptors for the next few stacks made ahead,
// so the tasks of later commands allocate nothing that outlives them (mm/vmap_stack.cpp).
void vmap_stack_cache_init();

// size bytes (a multiple of PAGE_SIZE, at most VMAP_STACK_MAX_SIZE) of zeroed stack with
// VMAP_STACK_SLOT - size bytes of unmapped guard below it. ENOMEM when out of memory.
lkm::ErrorOr<vm_stack*> vmap_stack_alloc(size_t size, const char* type);
void vmap_stack_free(vm_stack* stack);

// Is address in the guard space below stack (the part of its slot that is never mapped)?
bool vmap_stack_guard_hit(const vm_stack* stack, u64 address);
