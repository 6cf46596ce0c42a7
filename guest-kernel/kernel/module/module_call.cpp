// Running module code that may fault: init, exit and constructors are called through module_call
// (module_call.S), which records a recovery point. If the module faults, the trap handler prints
// the oops and then asks module_fault_recovery whether to resume at that point instead of
// panicking: the call then returns -EFAULT to the kernel, which unwinds the module.
#include "internal.h"

#include <kernel/module.h>

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
    long ret = module_call(fn, &frame);
    *faulted = g_call_faulted;
    g_fault_frame = outer;
    g_call_faulted = outer_faulted;
    return ret;
}

bool module_fault_recovery(pt_regs* regs)
{
    if (!g_fault_frame || user_mode(regs) || !is_module_address(regs->rip))
        return false;
    const module_call_frame& f = *g_fault_frame;
    regs->rbx = f.rbx;
    regs->rbp = f.rbp;
    regs->r12 = f.r12;
    regs->r13 = f.r13;
    regs->r14 = f.r14;
    regs->r15 = f.r15;
    regs->rsp = f.rsp;
    regs->rip = f.rip;
    regs->rax = static_cast<u64>(-static_cast<s64>(LKM_EFAULT));
    g_call_faulted = true;
    add_kernel_taint(TAINT_DIE);
    return true;
}
