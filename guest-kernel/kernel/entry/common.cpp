// The work done on every return to ring 3, after a system call or an interrupt or exception
// taken in user mode (Linux's kernel/entry/common.c, exit_to_user_mode_prepare): deliver the
// signals the task has pending. Runs with the task's pt_regs, which a handler frame rewrites.
#include <kernel/entry.h>
#include <kernel/sched.h>
#include <kernel/signal.h>

void exit_to_user_mode_prepare(pt_regs* regs)
{
    if (signal_pending(current()))
        arch_do_signal_or_restart(regs);
}
