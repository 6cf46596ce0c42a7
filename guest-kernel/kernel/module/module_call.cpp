// Running module code that may fault: init, exit and constructors are called through module_call
// (module_call.S), which records a recovery point. Any kernel-mode fault while such a call is on
// the stack -- in the module's own code, at a NULL, garbage or dangling address it called, in a
// kernel function it passed a bad argument, or an overflow of the kernel stack (the #DF handler)
// -- is oopsed by the trap handler, which then asks module_fault_recovery to resume at that
// point instead of panicking: the call returns -EFAULT to the kernel, which unwinds the module.
//
// Linux kills the task that made the system call instead, which leaves a module whose init
// oopsed "Loading" for good; here that task is init, which cannot die, so the call is abandoned
// and the module treated as one whose init failed (docs/kernel.md, "Oopses").
#include "internal.h"

#include <asm/processor.h>
#include <kernel/module.h>
#include <kernel/printk.h>
#include <kernel/sched.h>

namespace {

module_call_frame* g_fault_frame; // the recovery point of the module call running now, if any
bool g_call_faulted;

} // namespace

long call_module_function(u64 fn, bool* faulted)
{
    module_call_frame frame {};
    module_call_frame* outer = g_fault_frame;
    bool outer_faulted = g_call_faulted;
    g_fault_frame = &frame;
    g_call_faulted = false;
    // Module code runs with interrupts on, as on Linux: ticks go on while an init spins (jiffies
    // advance, the soft-lockup watchdog looks). The tick runs no timer callbacks on top of it
    // (kernel/time.cpp), so nothing else runs inside the module's kernel calls.
    u64 const flags = native_save_fl();
    local_irq_enable();
    long ret = module_call(fn, &frame);
    if (!(flags & X86_EFLAGS_IF))
        local_irq_disable();
    *faulted = g_call_faulted;
    g_fault_frame = outer;
    g_call_faulted = outer_faulted;
    return ret;
}

bool in_module_call() { return g_fault_frame != nullptr; }

bool module_fault_recovery(pt_regs* regs)
{
    if (!g_fault_frame || user_mode(regs))
        return false;
    const module_call_frame& f = *g_fault_frame;
    // A second fault in the same call is a fault after resuming (the recovery point itself is
    // damaged); a fault with RSP above the recovery point on the same stack means the code
    // returned past its call, and this oops's frame has overwritten the kernel frames it would
    // resume into. Either way resuming would only fault again, oops after oops: this one is
    // fatal. (An RSP off that stack altogether -- loaded with garbage -- left it untouched.)
    if (g_call_faulted) {
        pr_emerg("module call: faulted again after recovering; cannot resume\n");
        return false;
    }
    u64 stack_begin = 0, stack_end = 0;
    if (get_stack_bounds(f.rsp, &stack_begin, &stack_end) && regs->rsp > f.rsp && regs->rsp <= stack_end) {
        pr_emerg("module call: the stack was unwound past the call (RSP %016lx above %016lx); cannot resume\n",
                 regs->rsp, f.rsp);
        return false;
    }
    regs->rbx = f.rbx;
    regs->rbp = f.rbp;
    regs->r12 = f.r12;
    regs->r13 = f.r13;
    regs->r14 = f.r14;
    regs->r15 = f.r15;
    regs->rsp = f.rsp;
    regs->rip = f.rip;
    // The fault may have come with interrupts off (kernel code inside an IrqSaveGuard): resume
    // with the flags the call started with.
    regs->rflags = f.rflags;
    regs->rax = static_cast<u64>(-static_cast<s64>(LKM_EFAULT));
    g_call_faulted = true;
    add_kernel_taint(TAINT_DIE);
    return true;
}
