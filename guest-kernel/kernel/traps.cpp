// Exceptions and interrupts, after entry_64.S has saved the registers: fix up an expected fault
// (exception table), kill a user process that faulted, or oops and panic on a kernel bug.
#include <lkmemu/devices.h>
#include <asm/desc.h>
#include <asm/processor.h>
#include <kernel/extable.h>
#include <kernel/irq.h>
#include <kernel/mm.h>
#include <kernel/module.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/sched.h>

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

// A user process faulted: report it as Linux does, then the process dies of the signal.
[[noreturn]] void kill_user_process(pt_regs* regs, unsigned vector, u64 cr2)
{
    task_struct* task = current();
    const trap_info& trap = g_traps[vector];
    if (vector == X86_TRAP_PF) {
        pr_info("%s[%d]: segfault at %lx ip %016lx sp %016lx error %lx\n", task->comm, task->pid, cr2,
                regs->rip, regs->rsp, regs->error_code);
    } else {
        pr_info("traps: %s[%d] %s ip:%lx sp:%lx error:%lx\n", task->comm, task->pid, trap.name, regs->rip,
                regs->rsp, regs->error_code);
    }
    do_exit(trap.signal);
}

void do_exception(pt_regs* regs, unsigned vector)
{
    u64 cr2 = vector == X86_TRAP_PF ? read_cr2() : 0;
    if (vector == X86_TRAP_PF && handle_page_fault(regs, cr2))
        return;
    if (!user_mode(regs) && (vector == X86_TRAP_PF || vector == X86_TRAP_GP) && fixup_exception(regs, vector))
        return;
    if (user_mode(regs))
        kill_user_process(regs, vector, cr2);
    show_oops(regs, vector, cr2);
    if (module_fault_recovery(regs))
        return; // the module's init/exit returns -EFAULT to the loader; the kernel carries on
    panic("Fatal exception");
}

} // namespace

const char* trap_name(unsigned vector) { return vector < 32 ? g_traps[vector].name : "interrupt"; }
const char* trap_mnemonic(unsigned vector) { return vector < 32 ? g_traps[vector].mnemonic : "INT"; }

// Called by entry_64.S for every vector.
extern "C" void do_interrupt(pt_regs* regs)
{
    unsigned vector = static_cast<unsigned>(regs->orig_ax);
    if (vector < FIRST_EXTERNAL_VECTOR)
        do_exception(regs, vector);
    else
        handle_irq_vector(regs, vector);
}
