// The work done on every return to ring 3, after a system call or an interrupt or exception
// taken in user mode (Linux's kernel/entry/common.c, exit_to_user_mode_prepare): give the CPU up
// when the tick (or a wake-up) asked for it, and deliver the signals the task has pending. Runs
// with the task's pt_regs, which a handler frame rewrites; loops until neither is due, as a
// signal's delivery or another task's run may make the other due again.
#include <kernel/entry.h>
#include <kernel/sched.h>
#include <kernel/signal.h>

void exit_to_user_mode_prepare(pt_regs* regs)
{
    for (;;) {
        if (need_resched())
            schedule();
        if (signal_pending(current()))
            arch_do_signal_or_restart(regs);
        if (!need_resched())
            break;
    }
}
