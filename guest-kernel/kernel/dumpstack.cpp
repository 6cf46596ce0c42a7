// The oops report, in Linux's format: what faulted, the registers, and a symbolized backtrace
// from the frame-pointer chain (the kernel is built with -fno-omit-frame-pointer).
#include <asm/desc.h>
#include <asm/processor.h>
#include <kernel/kallsyms.h>
#include <kernel/module.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/sched.h>

namespace {

int g_die_counter;

const char* page_fault_access(u64 error_code)
{
    bool user = error_code & 4;
    if (error_code & 16)
        return user ? "user instruction fetch" : "supervisor instruction fetch";
    if (error_code & 2)
        return user ? "user write access" : "supervisor write access";
    return user ? "user read access" : "supervisor read access";
}

} // namespace

const char* trap_name(unsigned vector); // kernel/traps.cpp
const char* trap_mnemonic(unsigned vector);

void show_regs(const pt_regs* regs)
{
    pr_emerg("RIP: %04lx:%pS\n", regs->cs, reinterpret_cast<void*>(regs->rip));
    pr_emerg("RSP: %04lx:%016lx EFLAGS: %08lx\n", regs->ss, regs->rsp, regs->rflags);
    pr_emerg("RAX: %016lx RBX: %016lx RCX: %016lx\n", regs->rax, regs->rbx, regs->rcx);
    pr_emerg("RDX: %016lx RSI: %016lx RDI: %016lx\n", regs->rdx, regs->rsi, regs->rdi);
    pr_emerg("RBP: %016lx R08: %016lx R09: %016lx\n", regs->rbp, regs->r8, regs->r9);
    pr_emerg("R10: %016lx R11: %016lx R12: %016lx\n", regs->r10, regs->r11, regs->r12);
    pr_emerg("R13: %016lx R14: %016lx R15: %016lx\n", regs->r13, regs->r14, regs->r15);
    pr_emerg("CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n", read_cr0(), read_cr2(), read_cr3(),
             read_cr4());
}

void show_trace(u64 rbp)
{
    pr_emerg("Call Trace:\n");
    pr_emerg(" <TASK>\n");
    u64 begin, end;
    if (get_stack_bounds(rbp, &begin, &end)) {
        // Each frame: [rbp] = the caller's rbp, [rbp + 8] = the return address. Stop at the
        // terminating 0 (head_64.S, the task entry) or anything that leaves the known stacks.
        // Within a stack frames grow towards higher addresses; a module call's frames are on a
        // stack of their own (module_call.S), whose first frame links to the caller's stack.
        for (int depth = 0; depth < 32 && rbp && (rbp & 7) == 0 && rbp >= begin && rbp + 16 <= end; depth++) {
            const u64* frame = reinterpret_cast<const u64*>(rbp);
            u64 return_address = frame[1];
            char symbol[128];
            if (!sprint_backtrace(symbol, sizeof(symbol), return_address))
                break; // not kernel text: the end of the kernel's frames
            pr_emerg(" %s\n", symbol);
            u64 next = frame[0];
            if (next >= begin && next < end) {
                if (next <= rbp)
                    break; // corruption
            } else if (!get_stack_bounds(next, &begin, &end)) {
                break; // off every stack
            }
            rbp = next;
        }
    }
    pr_emerg(" </TASK>\n");
}

void dump_stack()
{
    u64 rbp;
    asm volatile("mov %%rbp, %0" : "=r"(rbp));
    show_trace(rbp);
}

void die(const char* str, const pt_regs* regs, unsigned vector, u64 error_code)
{
    pr_emerg("%s: %04lx [#%d]\n", str, error_code, ++g_die_counter);
    pr_emerg("trap: %s (#%s), vector %u, error_code 0x%lx\n", trap_name(vector), trap_mnemonic(vector), vector,
             error_code);
    task_struct* task = current();
    const char* taints = print_tainted();
    pr_emerg("CPU: 0 PID: %d Comm: %s%s%s\n", task ? task->pid : 0, task ? task->comm : "swapper/0",
             *taints ? " Tainted: " : "", taints);
    show_regs(regs);
    show_trace(regs->rbp);
    print_modules();
    pr_emerg("---[ end trace %016x ]---\n", 0);
}

void show_oops(const pt_regs* regs, unsigned vector, u64 cr2)
{
    u64 error_code = regs->error_code;
    if (vector != X86_TRAP_PF) {
        die(trap_name(vector), regs, vector, error_code);
        return;
    }
    if (cr2 < 4096)
        pr_emerg("BUG: kernel NULL pointer dereference, address: %016lx\n", cr2);
    else
        pr_emerg("BUG: unable to handle page fault for address: %016lx\n", cr2);
    pr_emerg("#PF: %s in %s mode\n", page_fault_access(error_code), (error_code & 4) ? "user" : "kernel");
    const char* cause = !(error_code & 1) ? "not-present page"
                        : (error_code & 8) ? "reserved bit violation"
                        : (error_code & 16) ? "permissions violation (NX)"
                                            : "permissions violation";
    pr_emerg("#PF: error_code(0x%04lx) - %s\n", error_code, cause);
    die("Oops", regs, vector, error_code);
}
