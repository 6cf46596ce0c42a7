// The soft-lockup detector (kernel/watchdog.cpp), as Linux's kernel/watchdog.c: a CPU that stays
// in kernel code, neither returning to user space nor idling, for more than 2 * watchdog_thresh
// seconds is reported — "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [insmod:1]", where it
// was, the backtrace — and the kernel is tainted L. It goes on (the task is not killed), unless
// softlockup_panic=1.
#pragma once

#include <asm/ptrace.h>
#include <kernel/types.h>

// The command line (kernel_cmdline, include/kernel/init.h): watchdog_thresh=N (seconds, at most
// 60 as Linux's sysctl allows, 0 turns the detector off; 10 by default, as Linux's) and
// softlockup_panic=0|1.

// From the timer interrupt, with the interrupted registers.
void watchdog_timer_fn(const pt_regs* regs);
// The tick interrupted user space or the idle halt (safe_halt's "sti; hlt"): no kernel work was
// under way. (The other kernel code that runs with interrupts on is a module's init or exit,
// kernel/module/module_call.cpp, and kernel threads.)
bool cpu_was_quiescent(const pt_regs* regs);
// The CPU is not stuck: schedule() calls it (a scheduling point is where Linux's watchdog thread
// would run), as may long but legitimate kernel work.
void touch_softlockup_watchdog();
