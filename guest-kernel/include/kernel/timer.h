// Kernel timers (kernel/timer.cpp), Linux's timer_list: a callback run from the timer interrupt
// once jiffies reaches `expires`. Modules use them through the SDK's linux/timer.h, whose struct
// timer_list has exactly this layout (asserted on both sides).
#pragma once

#include <kernel/types.h>

struct hlist_node {
    hlist_node* next;
    hlist_node** pprev; // nullptr while the timer is not pending
};

struct timer_list {
    hlist_node entry;
    u64 expires;
    void (*function)(timer_list*);
    u32 flags;
};
static_assert(sizeof(timer_list) == 40 && __builtin_offsetof(timer_list, expires) == 16 &&
              __builtin_offsetof(timer_list, function) == 24, "timer_list layout is module ABI");

extern "C" {
int mod_timer(timer_list* timer, u64 expires); // 1 if it was pending
int del_timer_sync(timer_list* timer);         // 1 if it was pending
u64 __msecs_to_jiffies(unsigned msecs);        // rounded up
}

// Called by the timer interrupt after jiffies advanced: runs every expired timer once.
void run_timers();
