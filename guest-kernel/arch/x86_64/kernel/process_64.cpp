// The context switch's machine half (Linux's arch/x86/kernel/process_64.c, __switch_to): what
// the next task needs loaded besides its registers and stack — its kernel stack for entries from
// ring 3 (TSS.rsp0, and the per-CPU slot the SYSCALL entry loads), its address space, its FS
// base, its FPU registers — and the first frame of a new task's kernel stack.
#include <asm/desc.h>
#include <asm/fpu.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <kernel/sched.h>

extern "C" task_struct* __switch_to_asm(u64* prev_sp, u64 next_sp, task_struct* prev); // switch_to.S
extern "C" char ret_from_fork[];                                                      // switch_to.S

namespace {

// What __switch_to_asm pops, lowest address first.
struct inactive_task_frame {
    u64 r15, r14, r13, r12, rbx, rbp;
    u64 ret_addr;
};

// The address space a task runs in; 0 for a kernel thread, which borrows whatever is loaded
// (its kernel half is the same everywhere: Linux's active_mm, lazily).
u64 task_address_space(const task_struct* task) { return task->mm ? task->mm->pgd : 0; }

} // namespace

void copy_thread(task_struct* task, void (*fn)(void*), void* arg)
{
    // Below the pt_regs a later entry from ring 3 (or an execve) uses, 16-byte aligned so that
    // ret_from_fork's calls see the ABI's alignment.
    u64 base = align_down(reinterpret_cast<u64>(task_pt_regs(task)), 16);
    auto* frame = reinterpret_cast<inactive_task_frame*>(base - sizeof(inactive_task_frame));
    *frame = {};
    frame->rbx = reinterpret_cast<u64>(fn);
    frame->r12 = reinterpret_cast<u64>(arg);
    frame->ret_addr = reinterpret_cast<u64>(ret_from_fork);
    task->thread.sp = reinterpret_cast<u64>(frame);
    task->thread.fsbase = task->thread.gsbase = 0;
    fpstate_init(&task->thread.fpu);
}

void copy_thread_user(task_struct* task, const pt_regs* parent_regs, u64 sp)
{
    pt_regs* regs = task_pt_regs(task);
    *regs = *parent_regs;
    regs->rax = 0; // fork's result in the child
    if (sp)
        regs->rsp = sp;
    task->thread.fsbase = current()->thread.fsbase;
    task->thread.gsbase = current()->thread.gsbase;
    // The parent's FPU registers are live in the CPU (saved only when it is switched out).
    fpu_save(&task->thread.fpu);
}

void flush_thread()
{
    task_struct* task = current();
    task->thread.fsbase = task->thread.gsbase = 0;
    wrmsr(MSR_FS_BASE, 0);
    wrmsr(MSR_KERNEL_GS_BASE, 0); // the user's GS base while in the kernel
    fpstate_init(&task->thread.fpu);
    fpu_restore(&task->thread.fpu);
}

// With interrupts off (schedule()).
task_struct* switch_to(task_struct* prev, task_struct* next)
{
    fpu_save(&prev->thread.fpu);
    fpu_restore(&next->thread.fpu);
    if (prev->thread.fsbase != next->thread.fsbase)
        wrmsr(MSR_FS_BASE, next->thread.fsbase);
    if (prev->thread.gsbase != next->thread.gsbase) // swapped in by the swapgs on the way out
        wrmsr(MSR_KERNEL_GS_BASE, next->thread.gsbase);
    tss_set_rsp0(next->kernel_stack_top);
    cpu0_percpu.kernel_stack = next->kernel_stack_top;
    if (u64 pgd = task_address_space(next); pgd && pgd != read_cr3())
        write_cr3(pgd);
    cpu0_percpu.current = next;
    return __switch_to_asm(&prev->thread.sp, next->thread.sp, prev);
}
