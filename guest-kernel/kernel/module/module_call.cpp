// Running module code that may fault: init, exit and constructors are called through module_call
// (module_call.S) on a stack of their own (a THREAD_SIZE vmap stack with a guard page below), with
// a recovery point recorded. The separate stack means nothing the module does to its stack -- a
// stray return, a smashed frame, an overflow -- can unwind into or overwrite the frames of the
// kernel that called it.
//
// A kernel-mode fault while such a call is running (in the module's own code, at a NULL, garbage
// or dangling address it called, in a kernel function it passed a bad argument, an overflow of
// its stack) is oopsed by the trap handler. Then, as on Linux, the task that made the system call
// dies (oops_end -> make_task_dead, kernel/traps.cpp), leaving the module as Linux does: COMING
// ("Loading" in lsmod) after a faulted init, GOING ("Unloading") after a faulted exit, for good.
// Only init (pid 1) is different: it serves the host's harness and must not die, so for it the
// call is abandoned at the recovery point (module_fault_recovery): it returns -EFAULT to the
// kernel, which unwinds the module as one whose init failed (docs/reliability.md). A catching
// call (KUnit's try-catch: Linux runs a case in a kthread of its own, whose death the runner
// survives) is abandoned the same way in any task.
#include "internal.h"

#include <asm/processor.h>
#include <kernel/module.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/vmap_stack.h>

// One module function running in a task (task_struct::module_calls), in the caller's frame.
struct module_call_record {
    module_call_frame frame; // where an abandoned call resumes (module_call.S)
    vm_stack* stack;         // the stack the module function runs on
    module_call_record* outer; // the call this one was made from (a module loading a module)
    bool faulted;            // abandoned by module_fault_recovery
    bool catch_faults;       // abandoned on a fault in any task, not only in init
};

// module_call.S, after fn returned: the frame of the innermost call, as the caller recorded it.
extern "C" module_call_frame* module_call_current_frame() { return &current()->module_calls->frame; }

namespace {

lkm::ErrorOr<long> run_module_call(u64 fn, bool* faulted, bool catch_faults)
{
    task_struct* task = current();
    vm_stack* stack = TRY(vmap_stack_alloc(THREAD_SIZE, "MODULE"));
    module_call_record call {};
    call.catch_faults = catch_faults;
    call.stack = stack;
    call.outer = task->module_calls;
    task->module_calls = &call;
    // Module code runs with interrupts on, as on Linux: ticks go on while an init spins (jiffies
    // advance, the soft-lockup watchdog looks). The tick runs no timer callbacks on top of it
    // (kernel/time.cpp), so nothing else runs inside the module's kernel calls.
    u64 const flags = native_save_fl();
    local_irq_enable();
    long ret = module_call(fn, &call.frame, stack->end);
    if (!(flags & X86_EFLAGS_IF))
        local_irq_disable();
    task->module_calls = call.outer;
    vmap_stack_free(stack);
    *faulted = call.faulted;
    return ret;
}

} // namespace

lkm::ErrorOr<long> call_module_function(u64 fn, bool* faulted) { return run_module_call(fn, faulted, false); }

lkm::ErrorOr<long> call_module_function_catching(u64 fn, bool* faulted) { return run_module_call(fn, faulted, true); }

bool in_module_call()
{
    task_struct* task = current();
    return task && task->module_calls;
}

bool module_fault_recovery(pt_regs* regs)
{
    task_struct* task = current();
    if (!task || !task->module_calls || user_mode(regs))
        return false;
    module_call_record& call = *task->module_calls;
    if (task->pid != 1 && !call.catch_faults)
        return false; // the task dies instead (make_task_dead), as on Linux
    const module_call_frame& f = call.frame;
    // A second fault in the same call is a fault after resuming (the recovery point itself is
    // damaged): resuming again would only fault again. And a fault with RSP above the recovery
    // point on the caller's stack means the module loaded RSP with an address there and the oops's
    // frame may have overwritten the kernel frames it would resume into.
    if (call.faulted) {
        pr_emerg("module call: faulted again after recovering; cannot resume\n");
        return false;
    }
    u64 stack_begin = 0, stack_end = 0;
    if (get_stack_bounds(f.rsp, &stack_begin, &stack_end) && regs->rsp > f.rsp && regs->rsp <= stack_end) {
        pr_emerg("module call: RSP %016lx is in the caller's frames (above %016lx); cannot resume\n", regs->rsp,
                 f.rsp);
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
    call.faulted = true;
    add_kernel_taint(TAINT_DIE);
    return true;
}

void abandon_module_calls(task_struct* task)
{
    while (module_call_record* call = task->module_calls) {
        task->module_calls = call->outer;
        vmap_stack_free(call->stack); // the caller runs on its task stack by now (make_task_dead)
    }
}

bool module_call_stack_bounds(u64 sp, u64* begin, u64* end)
{
    task_struct* task = current();
    for (module_call_record* call = task ? task->module_calls : nullptr; call; call = call->outer) {
        if (sp >= call->stack->begin && sp < call->stack->end) {
            *begin = call->stack->begin;
            *end = call->stack->end;
            return true;
        }
    }
    return false;
}

const vm_stack* module_call_stack_guard_hit(u64 address)
{
    task_struct* task = current();
    for (module_call_record* call = task ? task->module_calls : nullptr; call; call = call->outer) {
        if (vmap_stack_guard_hit(call->stack, address))
            return call->stack;
    }
    return nullptr;
}
