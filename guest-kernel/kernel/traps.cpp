// Exceptions and interrupts, after entry_64.S has saved the registers: fix up an expected fault
// (exception table), turn a user process's fault into a signal, or oops on a kernel bug. After
// the oops the faulting task dies and the kernel goes on (oops_end); init abandons the module
// call it was running instead (module_fault_recovery); what cannot go on panics, with the reason.
#include <lkmemu/devices.h>
#include <asm/desc.h>
#include <asm/processor.h>
#include <kernel/entry.h>
#include <kernel/extable.h>
#include <kernel/irq.h>
#include <kernel/vmap_stack.h>
#include <kernel/mm.h>
#include <kernel/module.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/signal.h>

// arch/x86_64/kernel/rewind_stack.S: make_task_dead(signr) on the top of the current task's
// kernel stack, whatever stack the oops ran on (its own, a module call's, the #DF IST stack).
extern "C" [[noreturn]] void rewind_stack_and_make_dead(int signr, u64 stack_pointer);

// The end of a task that oopsed (Linux's make_task_dead): its module calls are abandoned (their
// stacks freed, the modules left COMING or GOING), then do_exit(signr) as for a fatal signal.
// Locks the task held stay held, as on Linux; a task that oopses again while dying never runs
// again instead of recursing.
extern "C" [[noreturn]] void make_task_dead(int signr)
{
    task_struct* task = current();
    abandon_module_calls(task);
    if (task->flags & PF_EXITING) {
        pr_alert("Fixing recursive fault but reboot is needed!\n");
        for (;;) {
            set_current_state(TASK_UNINTERRUPTIBLE);
            schedule();
        }
    }
    task->flags |= PF_EXITING;
    local_irq_enable(); // the oops came through an interrupt gate; do_exit may sleep
    do_exit(signr);
}

namespace {

struct trap_info {
    const char* name; // as Linux's die() messages say it
    const char* mnemonic;
    int signal;       // what a user process gets for it
};

constexpr trap_info g_traps[32] = {
    { "divide error", "DE", SIGFPE },
    { "debug", "DB", SIGTRAP },
    { "nmi", "NMI", SIGSEGV },
    { "int3", "BP", SIGTRAP },
    { "overflow", "OF", SIGSEGV },
    { "bounds", "BR", SIGSEGV },
    { "invalid opcode", "UD", SIGILL },
    { "device not available", "NM", SIGSEGV },
    { "double fault", "DF", SIGSEGV },
    { "coprocessor segment overrun", "MF", SIGFPE },
    { "invalid TSS", "TS", SIGSEGV },
    { "segment not present", "NP", SIGBUS },
    { "stack segment", "SS", SIGBUS },
    { "general protection fault", "GP", SIGSEGV },
    { "page fault", "PF", SIGSEGV },
    { "spurious interrupt bug", "15", SIGSEGV },
    { "coprocessor error", "MF", SIGFPE },
    { "alignment check", "AC", SIGBUS },
    { "machine check", "MC", SIGBUS },
    { "SIMD coprocessor error", "XF", SIGFPE },
    { "virtualization exception", "VE", SIGSEGV },
    { "control protection fault", "CP", SIGSEGV },
    { "reserved", "22", SIGSEGV }, { "reserved", "23", SIGSEGV }, { "reserved", "24", SIGSEGV },
    { "reserved", "25", SIGSEGV }, { "reserved", "26", SIGSEGV }, { "reserved", "27", SIGSEGV },
    { "hypervisor injection", "HV", SIGSEGV },
    { "VMM communication", "VC", SIGSEGV },
    { "security exception", "SX", SIGSEGV },
    { "reserved", "31", SIGSEGV },
};

// The si_code of an x87 or SIMD floating-point exception: the first unmasked exception raised,
// in Linux's order (fpu__exception_code). 0: none is (a spurious trap, no signal).
int fpu_exception_code(unsigned vector)
{
    unsigned err;
    if (vector == X86_TRAP_XF) {
        u32 mxcsr;
        asm volatile("stmxcsr %0" : "=m"(mxcsr));
        err = ~(mxcsr >> 7) & mxcsr; // raised (bits 0-5) and not masked (bits 7-12)
    } else {
        u16 cwd, swd;
        asm volatile("fnstcw %0\n\tfnstsw %1" : "=m"(cwd), "=m"(swd));
        err = swd & ~cwd;
    }
    constexpr int FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6;
    if (err & 0x001)
        return LKM_FPE_FLTINV;
    if (err & 0x004)
        return FPE_FLTDIV;
    if (err & 0x008)
        return FPE_FLTOVF;
    if (err & 0x012)
        return FPE_FLTUND;
    if (err & 0x020)
        return FPE_FLTRES;
    return 0;
}

// An exception in user mode becomes a signal for the task (Linux's do_trap, math_error,
// exc_general_protection, do_user_addr_fault): the trap is recorded for the sigcontext, the
// fault is logged as Linux logs it when no handler will see it (rate-limited), and the signal
// is forced, so that a blocked or ignored one still ends the task. It is delivered on the way
// back to ring 3.
void user_fault_signal(pt_regs* regs, unsigned vector, u64 cr2)
{
    task_struct* task = current();
    const trap_info& trap = g_traps[vector];
    int sig = trap.signal, code = 0;
    u64 addr = 0;
    switch (vector) {
    case X86_TRAP_PF:
        code = regs->error_code & X86_PF_PROT ? LKM_SEGV_ACCERR : LKM_SEGV_MAPERR;
        addr = cr2;
        break;
    case X86_TRAP_UD:
        code = LKM_ILL_ILLOPN;
        addr = regs->rip;
        break;
    case X86_TRAP_DE:
        code = LKM_FPE_INTDIV;
        addr = regs->rip;
        break;
    case X86_TRAP_DB:
        code = LKM_TRAP_TRACE;
        addr = regs->rip;
        break;
    case X86_TRAP_AC:
        code = LKM_BUS_ADRALN;
        break;
    case X86_TRAP_MF:
    case X86_TRAP_XF:
        code = fpu_exception_code(vector);
        if (!code)
            return; // nothing unmasked was raised: no signal, as on Linux
        addr = regs->rip;
        break;
    default: // #GP, #BP, #NP, #SS ...: from the kernel, with no address (Linux's force_sig)
        break;
    }
    task->trap_nr = vector;
    task->error_code = regs->error_code;
    if (vector == X86_TRAP_PF)
        task->cr2 = cr2;
    if (unhandled_signal(task, sig) && signal_msg_ratelimit()) {
        if (vector == X86_TRAP_PF)
            pr_info("%s[%d]: segfault at %lx ip %016lx sp %016lx error %lx\n", task->comm, task->pid, cr2,
                    regs->rip, regs->rsp, regs->error_code);
        else
            pr_info("traps: %s[%d] %s ip:%lx sp:%lx error:%lx\n", task->comm, task->pid, trap.name, regs->rip,
                    regs->rsp, regs->error_code);
    }
    if (code)
        force_sig_fault(sig, code, addr);
    else
        force_sig(sig);
}

// After the oops of a kernel-mode fault (Linux's oops_end): the kernel goes on without the task
// that faulted, which dies with SIGSEGV (make_task_dead, on its rewound stack), whatever it was
// running: its own system call, a module's init or exit for it, a kernel thread's function. Init
// is the exception: it serves the host's harness and must not die (Linux would panic with
// "Attempted to kill init!"), so a module call it runs is abandoned instead, returning -EFAULT
// to the loader (module_fault_recovery). What cannot go on panics: an interrupt handler (the
// interrupted code can be neither resumed nor unwound), the idle task, init outside a module call.
void oops_end(pt_regs* regs, const char* reason)
{
    if (in_interrupt())
        panic("Fatal exception in interrupt");
    task_struct* task = current();
    if (module_fault_recovery(regs))
        return; // init's (or a catching) module call returns -EFAULT to its caller; the kernel carries on
    if (!task || is_idle_task(task) || task->pid == 1)
        panic("%s", reason);
    add_kernel_taint(TAINT_DIE);
    rewind_stack_and_make_dead(SIGSEGV, reinterpret_cast<u64>(task_pt_regs(task)));
}
// A #DF arrives on its own IST stack. Running off a kernel stack faults on its guard page, and
// the CPU, unable to push the #PF frame there, raises #DF: CR2 then lies in the guard (Linux's
// exc_double_fault with CONFIG_VMAP_STACK, in its 4.x words).
void handle_double_fault(pt_regs* regs, u64 cr2)
{
    if (const vm_stack* stack = stack_guard_page_hit(cr2)) {
        pr_emerg("BUG: stack guard page was hit at %016lx (stack is %016lx..%016lx)\n", cr2, stack->begin,
                 stack->end - 1);
        die("kernel stack overflow (double-fault)", regs, X86_TRAP_DF, 0);
        oops_end(regs, "kernel stack overflow (double-fault)");
        return;
    }
    pr_emerg("PANIC: double fault, error_code: 0x%lx\n", regs->error_code);
    die("double fault", regs, X86_TRAP_DF, regs->error_code);
    oops_end(regs, "Machine halted.");
}

void do_exception(pt_regs* regs, unsigned vector)
{
    u64 cr2 = vector == X86_TRAP_PF || vector == X86_TRAP_DF ? read_cr2() : 0;
    if (vector == X86_TRAP_PF && handle_page_fault(regs, cr2))
        return;
    if (!user_mode(regs) && (vector == X86_TRAP_PF || vector == X86_TRAP_GP) && fixup_exception(regs, vector))
        return;
    if (user_mode(regs)) {
        user_fault_signal(regs, vector, cr2);
        return;
    }
    if (vector == X86_TRAP_DF) {
        handle_double_fault(regs, cr2);
        return;
    }
    show_oops(regs, vector, cr2);
    oops_end(regs, "Fatal exception");
}

} // namespace

const char* trap_name(unsigned vector) { return vector < 32 ? g_traps[vector].name : "interrupt"; }
const char* trap_mnemonic(unsigned vector) { return vector < 32 ? g_traps[vector].mnemonic : "INT"; }

// Called by entry_64.S for every vector.
extern "C" void do_interrupt(pt_regs* regs)
{
    unsigned vector = static_cast<unsigned>(~regs->orig_ax); // the stubs push ~vector
    if (vector < FIRST_EXTERNAL_VECTOR)
        do_exception(regs, vector);
    else
        handle_irq_vector(regs, vector);
    if (user_mode(regs))
        exit_to_user_mode_prepare(regs);
}
