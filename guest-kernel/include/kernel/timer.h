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

// Called by the timer interrupt after jiffies advanced: runs every expired timer once.
void run_timers();

// For a module's unload: cancels every pending timer whose timer_list or callback lies in
// [start, start + size), reporting each ("module NAME left a timer pending: SYMBOL"). Returns
// how many. O(pending timers), which are few.
unsigned del_timers_in_range(u64 start, u64 size, const char* module_name);
