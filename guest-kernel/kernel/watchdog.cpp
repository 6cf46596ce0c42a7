// The soft-lockup detector. Linux checks from an hrtimer every sample period (2 * thresh / 5, 4 s)
// whether its per-CPU watchdog thread got to run since the last check: a CPU whose thread cannot
// be scheduled is stuck in the kernel. Here the equivalent is what the tick interrupted (user
// space, or the idle halt: safe_halt's "sti; hlt", means the CPU is free) and any schedule()
// (kernel/sched/core.cpp touches the watchdog: the CPU could have run that thread). The
// report is Linux's, word for word (watchdog_timer_fn, pr_fmt "watchdog: ").
#include <kernel/init.h>
#include <kernel/module.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <kernel/watchdog.h>

extern "C" char _text[], _etext[];

namespace {

u64 g_touch_ts;  // jiffies when the CPU was last seen free
u64 g_period_ts; // jiffies when the current report period began (a report starts a new one)
u64 g_next_sample;

u64 softlockup_thresh_jiffies() { return 2 * static_cast<u64>(kernel_cmdline.watchdog_thresh) * HZ; }

u64 sample_period_jiffies() { return softlockup_thresh_jiffies() / 5; }

// The tick came while the CPU was halted in the idle loop: safe_halt's "sti; hlt" is just before
// the interrupted RIP. (Only the kernel's own text halts so; a module's RIP is not looked at.)
bool interrupted_idle(const pt_regs* regs)
{
    u64 const rip = regs->rip;
    if (rip < reinterpret_cast<u64>(_text) + 2 || rip > reinterpret_cast<u64>(_etext))
        return false;
    const u8* code = reinterpret_cast<const u8*>(rip - 2);
    return code[0] == 0xfb && code[1] == 0xf4;
}

} // namespace

bool cpu_was_quiescent(const pt_regs* regs) { return user_mode(regs) || interrupted_idle(regs); }

void touch_softlockup_watchdog()
{
    g_touch_ts = jiffies;
    g_period_ts = jiffies;
}

void watchdog_timer_fn(const pt_regs* regs)
{
    if (kernel_cmdline.watchdog_thresh == 0)
        return;
    if (cpu_was_quiescent(regs)) {
        touch_softlockup_watchdog();
        return;
    }
    u64 const now = jiffies;
    if (now < g_next_sample)
        return;
    g_next_sample = now + sample_period_jiffies();
    if (now <= g_period_ts + softlockup_thresh_jiffies())
        return;
    // Start the period for the next report: a CPU that stays stuck is reported again.
    g_period_ts = now;
    task_struct* task = current();
    pr_emerg("watchdog: BUG: soft lockup - CPU#0 stuck for %lus! [%s:%d]\n", (now - g_touch_ts) / HZ,
             task ? task->comm : "swapper/0", task ? task->pid : 0);
    print_modules();
    const char* taints = print_tainted();
    pr_emerg("CPU: 0 PID: %d Comm: %s%s%s\n", task ? task->pid : 0, task ? task->comm : "swapper/0",
             *taints ? " Tainted: " : "", taints);
    show_regs(regs);
    show_trace(regs->rbp);
    add_kernel_taint(TAINT_SOFTLOCKUP);
    if (kernel_cmdline.softlockup_panic)
        panic("softlockup: hung tasks");
}
