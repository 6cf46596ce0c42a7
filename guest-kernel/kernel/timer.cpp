// Kernel timers: a list of pending timer_lists, run from the timer interrupt (Linux's
// run_local_timers, without the wheel: there are few timers) when it interrupted user space or
// the idle halt, and otherwise at the next schedule() (the tick asks for one): never on top of
// kernel code in the middle of its work. The list changes with interrupts off, so mod_timer and
// del_timer_sync never race with a running callback.
//
// Sleeping: schedule_timeout (a timer that wakes the sleeper) and msleep, as Linux's
// kernel/time/timer.c.
#include <asm/processor.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <kernel/timer.h>
#include <kernel/wait.h>

namespace {

hlist_node* g_pending; // first pending timer's entry
u64 g_next_expiry = ~0ull; // no pending timer expires before this (a lower bound)

bool detach(timer_list* timer)
{
    if (!timer->entry.pprev)
        return false;
    *timer->entry.pprev = timer->entry.next;
    if (timer->entry.next)
        reinterpret_cast<timer_list*>(timer->entry.next)->entry.pprev = timer->entry.pprev;
    timer->entry.next = nullptr;
    timer->entry.pprev = nullptr;
    return true;
}

} // namespace

int mod_timer(timer_list* timer, u64 expires)
{
    IrqSaveGuard irqs_off;
    if (static_cast<s64>(expires - g_next_expiry) < 0)
        g_next_expiry = expires;
    bool was_pending = detach(timer);
    timer->expires = expires;
    timer->entry.next = g_pending;
    if (g_pending)
        reinterpret_cast<timer_list*>(g_pending)->entry.pprev = &timer->entry.next;
    timer->entry.pprev = &g_pending;
    g_pending = &timer->entry;
    return was_pending;
}

int del_timer_sync(timer_list* timer)
{
    IrqSaveGuard irqs_off;
    return detach(timer);
}

bool timers_expired() { return static_cast<s64>(jiffies - g_next_expiry) >= 0; }

u64 __msecs_to_jiffies(unsigned msecs) { return (static_cast<u64>(msecs) * HZ + 999) / 1000; }

void run_timers()
{
    IrqSaveGuard irqs_off;
    if (!timers_expired())
        return;
    // Restart the scan after each callback: it may arm or delete any timer. The last scan,
    // which runs none, finds the next expiry.
    for (bool ran = true; ran;) {
        ran = false;
        g_next_expiry = ~0ull;
        for (hlist_node* node = g_pending; node; node = node->next) {
            auto* timer = reinterpret_cast<timer_list*>(node); // entry is the first member
            if (static_cast<s64>(jiffies - timer->expires) < 0) {
                if (static_cast<s64>(timer->expires - g_next_expiry) < 0)
                    g_next_expiry = timer->expires;
                continue;
            }
            detach(timer);
            timer->function(timer);
            ran = true;
            break;
        }
    }
}

unsigned del_timers_in_range(u64 start, u64 size, const char* module_name)
{
    IrqSaveGuard irqs_off;
    auto inside = [&](const void* p) { return reinterpret_cast<u64>(p) - start < size; };
    unsigned cancelled = 0;
    for (hlist_node* node = g_pending; node;) {
        auto* timer = reinterpret_cast<timer_list*>(node);
        node = node->next; // before detach clears it
        if (!inside(timer) && !inside(reinterpret_cast<const void*>(timer->function)))
            continue;
        // Linux has no check here; its debugobjects would say "ODEBUG: free active ... object
        // type: timer_list hint: FUNCTION" when the memory is freed.
        pr_warn("module %s left a timer pending: %pS (cancelled)\n", module_name,
                reinterpret_cast<void*>(timer->function));
        detach(timer);
        cancelled++;
    }
    return cancelled;
}

namespace {

struct process_timer {
    timer_list timer; // first: the callback's timer_list* is the process_timer*
    task_struct* task;
};

void process_timeout(timer_list* timer) { wake_up_process(reinterpret_cast<process_timer*>(timer)->task); }

} // namespace

long schedule_timeout(long timeout)
{
    if (timeout == MAX_SCHEDULE_TIMEOUT) {
        schedule();
        return timeout;
    }
    if (timeout < 0) {
        pr_err("schedule_timeout: wrong timeout value %lx\n", timeout);
        __set_current_state(TASK_RUNNING);
        return 0;
    }
    u64 expire = jiffies + static_cast<u64>(timeout);
    process_timer sleeper {};
    sleeper.timer.function = process_timeout;
    sleeper.task = current();
    mod_timer(&sleeper.timer, expire);
    schedule();
    del_timer_sync(&sleeper.timer);
    s64 left = static_cast<s64>(expire - jiffies);
    return left < 0 ? 0 : left;
}

long schedule_timeout_uninterruptible(long timeout)
{
    __set_current_state(TASK_UNINTERRUPTIBLE);
    return schedule_timeout(timeout);
}

long schedule_timeout_interruptible(long timeout)
{
    __set_current_state(TASK_INTERRUPTIBLE);
    return schedule_timeout(timeout);
}

void msleep(unsigned msecs)
{
    // Counted from the current tick, as nanosleep is here (Linux adds a jiffy to be sure of
    // a whole msecs from mid-tick; guest time is the tick, so this sleeps exactly msecs of it).
    long timeout = static_cast<long>(__msecs_to_jiffies(msecs));
    while (timeout)
        timeout = schedule_timeout_uninterruptible(timeout);
}
