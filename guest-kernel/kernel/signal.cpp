// Signals. This first version has none: nothing is ever pending.
#include <kernel/sched.h>
#include <kernel/signal.h>

bool signal_pending(const task_struct*) { return false; }

void arch_do_signal_or_restart(pt_regs*) {}
