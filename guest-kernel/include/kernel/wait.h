// Wait queues (Linux's include/linux/wait.h, kernel/sched/wait.c): tasks sleep on a
// wait_queue_head until a condition holds; whoever makes it hold calls wake_up. The wait_event
// family re-checks the condition after every wake-up, so a wake-up is a hint, never a promise.
// Safe to wake from an interrupt: the queue is changed with interrupts off (one CPU).
#pragma once

#include <kernel/list.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/types.h>
#include <kernel/wait_types.h> // wait_queue_entry, wait_queue_head

// schedule_timeout's "forever" (kernel/timer.cpp).
constexpr long MAX_SCHEDULE_TIMEOUT = 0x7fffffffffffffffl;

constexpr unsigned WQ_FLAG_EXCLUSIVE = 0x01; // wake_up wakes one exclusive waiter, not all

void init_waitqueue_head(wait_queue_head* wq);
void init_wait_entry(wait_queue_entry* wait, unsigned flags);
void add_wait_queue(wait_queue_head* wq, wait_queue_entry* wait);
void remove_wait_queue(wait_queue_head* wq, wait_queue_entry* wait);
// Queue the current task (once) and set its state: then test the condition, then schedule().
void prepare_to_wait(wait_queue_head* wq, wait_queue_entry* wait, long state);
void prepare_to_wait_exclusive(wait_queue_head* wq, wait_queue_entry* wait, long state);
// Back to TASK_RUNNING and off the queue.
void finish_wait(wait_queue_head* wq, wait_queue_entry* wait);
// Wake the waiters sleeping in one of `mode`'s states: every non-exclusive one and up to
// nr_exclusive exclusive ones (0: all).
void __wake_up(wait_queue_head* wq, long mode, int nr_exclusive);
inline void wake_up(wait_queue_head* wq) { __wake_up(wq, TASK_NORMAL, 1); }
inline void wake_up_all(wait_queue_head* wq) { __wake_up(wq, TASK_NORMAL, 0); }
inline void wake_up_interruptible(wait_queue_head* wq) { __wake_up(wq, TASK_INTERRUPTIBLE, 1); }
bool waitqueue_active(const wait_queue_head* wq);

// Sleep in `state` for at most timeout jiffies (MAX_SCHEDULE_TIMEOUT: no limit); the jiffies
// left, 0 when the time ran out (kernel/timer.cpp).
long schedule_timeout(long timeout);

// The body of every wait_event: sleep until cond() holds. Returns the jiffies left (at least 1
// when cond() held in time, 0 on timeout), or -ERESTARTSYS when an interruptible sleep saw a
// signal pending (ERESTARTSYS: include/kernel/signal.h).
template<typename Cond> long __wait_event(wait_queue_head* wq, Cond cond, long state, long timeout)
{
    wait_queue_entry wait;
    init_wait_entry(&wait, 0);
    long ret = timeout;
    for (;;) {
        prepare_to_wait(wq, &wait, state);
        if (cond())
            break;
        if ((state & TASK_INTERRUPTIBLE) && signal_pending(current())) {
            ret = -ERESTARTSYS;
            break;
        }
        ret = schedule_timeout(ret);
        if (!ret) {
            if (cond())
                ret = 1; // it came true as the time ran out: not a timeout
            break;
        }
    }
    finish_wait(wq, &wait);
    return ret;
}

template<typename Cond> void wait_event(wait_queue_head& wq, Cond cond)
{
    if (!cond())
        __wait_event(&wq, cond, TASK_UNINTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT);
}

// 0 if the timeout elapsed with cond() false, else the jiffies left (at least 1).
template<typename Cond> long wait_event_timeout(wait_queue_head& wq, Cond cond, long timeout)
{
    if (cond())
        return timeout ? timeout : 1;
    return __wait_event(&wq, cond, TASK_UNINTERRUPTIBLE, timeout);
}

// 0 once cond() holds, -ERESTARTSYS if a signal came first.
template<typename Cond> int wait_event_interruptible(wait_queue_head& wq, Cond cond)
{
    if (cond())
        return 0;
    long ret = __wait_event(&wq, cond, TASK_INTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT);
    return ret < 0 ? static_cast<int>(ret) : 0;
}

// As wait_event_timeout, and -ERESTARTSYS on a signal.
template<typename Cond> long wait_event_interruptible_timeout(wait_queue_head& wq, Cond cond, long timeout)
{
    if (cond())
        return timeout ? timeout : 1;
    return __wait_event(&wq, cond, TASK_INTERRUPTIBLE, timeout);
}
