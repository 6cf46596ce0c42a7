// Signals: what the rest of the kernel asks of kernel/signal.cpp. (Owned by the signals work;
// this first version only answers "nothing pending".)
#pragma once

#include <asm/ptrace.h>

struct task_struct;

// Whether task has an unblocked signal waiting (the return to user space then delivers it).
bool signal_pending(const task_struct* task);
// On the way back to ring 3 (arch/x86_64/kernel/entry_64.S's exit path, after any reschedule):
// deliver the current task's pending signals (set up handler frames, or take default actions).
void arch_do_signal_or_restart(pt_regs* regs);
