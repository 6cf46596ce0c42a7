// Kernel timers: a list of pending timer_lists, run from the timer interrupt (Linux's
// run_local_timers, without the wheel: there are few timers). The kernel runs with interrupts
// off, so mod_timer and del_timer_sync never race with a running callback.
#include <kernel/printk.h>
#include <kernel/time.h>
#include <kernel/timer.h>

namespace {

hlist_node* g_pending; // first pending timer's entry

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
    bool was_pending = detach(timer);
    timer->expires = expires;
    timer->entry.next = g_pending;
    if (g_pending)
        reinterpret_cast<timer_list*>(g_pending)->entry.pprev = &timer->entry.next;
    timer->entry.pprev = &g_pending;
    g_pending = &timer->entry;
    return was_pending;
}

int del_timer_sync(timer_list* timer) { return detach(timer); }

u64 __msecs_to_jiffies(unsigned msecs) { return (static_cast<u64>(msecs) * HZ + 999) / 1000; }

void run_timers()
{
    // Restart the scan after each callback: it may arm or delete any timer.
    for (bool ran = true; ran;) {
        ran = false;
        for (hlist_node* node = g_pending; node; node = node->next) {
            auto* timer = reinterpret_cast<timer_list*>(node); // entry is the first member
            if (static_cast<s64>(jiffies - timer->expires) < 0)
                continue;
            detach(timer);
            timer->function(timer);
            ran = true;
            break;
        }
    }
}

unsigned del_timers_in_range(u64 start, u64 size, const char* module_name)
{
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
