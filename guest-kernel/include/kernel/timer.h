// Kernel timers (kernel/timer.cpp), Linux's timer_list: a callback run from the timer interrupt
// once jiffies reaches `expires`. struct timer_list (and its hlist_node link) is the contract's
// (abi/lkmemu/timer.h), the one modules see through the SDK's linux/timer.h.
#pragma once

#include <lkmemu/timer.h>
#include <kernel/types.h>

extern "C" {
int mod_timer(timer_list* timer, u64 expires); // 1 if it was pending
int del_timer_sync(timer_list* timer);         // 1 if it was pending
u64 __msecs_to_jiffies(unsigned msecs);        // rounded up
}

// Runs every expired timer once: from the timer interrupt when it came in user mode or at the
// idle halt, and from schedule() (interrupts off in both).
void run_timers();
// A pending timer is due (the tick, when it cannot run it, asks for a schedule()).
bool timers_expired();

// Sleep for timeout jiffies in the state set before (Linux's set_current_state + schedule_timeout):
// schedule_timeout is in include/kernel/wait.h. These set the state themselves; they return the
// jiffies left (0: the whole time passed).
long schedule_timeout_uninterruptible(long timeout);
long schedule_timeout_interruptible(long timeout);
void msleep(unsigned msecs); // a kernel thread or a system call sleeps msecs of guest time

// For a module's unload: cancels every pending timer whose timer_list or callback lies in
// [start, start + size), reporting each ("module NAME left a timer pending: SYMBOL"). Returns
// how many. O(pending timers), which are few.
unsigned del_timers_in_range(u64 start, u64 size, const char* module_name);
