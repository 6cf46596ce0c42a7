// Per-CPU data, reached through GS in the kernel (SWAPGS on every entry from and exit to ring 3).
// The offsets are used by entry_64.S: keep the layout and the PERCPU_* constants in step.
#pragma once

#include <kernel/types.h>

struct task_struct;

struct percpu {
    percpu* self;          // 0
    u64 kernel_stack;      // 8: top of the current task's kernel stack (SYSCALL entry loads it)
    u64 user_rsp_scratch;  // 16: user RSP while the SYSCALL entry switches stacks
    task_struct* current;  // 24
};
static_assert(__builtin_offsetof(percpu, kernel_stack) == 8);
static_assert(__builtin_offsetof(percpu, user_rsp_scratch) == 16);

extern percpu cpu0_percpu;

// Install GS_BASE (kernel) and KERNEL_GS_BASE (user, 0) for this CPU.
void percpu_init();

inline percpu* this_cpu()
{
    percpu* p;
    asm volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}
