// Sleeping mutexes (include/kernel/mutex.h). The owner and the wait list change with interrupts
// off (one CPU: that is the lock). Unlock hands the mutex to the first waiter before waking it,
// so a task that comes along in between cannot take it (Linux's MUTEX_FLAG_HANDOFF, always).
#include <asm/processor.h>
#include <kernel/mutex.h>
#include <kernel/panic.h>
#include <kernel/printk.h>

namespace {

struct mutex_waiter {
    list_head list;
    task_struct* task;
};

} // namespace

void mutex_init(mutex* lock)
{
    lock->owner = nullptr;
    INIT_LIST_HEAD(&lock->wait_list);
}

bool mutex_trylock(mutex* lock)
{
    IrqSaveGuard irqs_off;
    if (lock->owner)
        return false;
    lock->owner = current();
    return true;
}

void mutex_lock(mutex* lock)
{
    IrqSaveGuard irqs_off;
    task_struct* task = current();
    if (!lock->owner) {
        lock->owner = task;
        return;
    }
    if (lock->owner == task)
        panic("mutex_lock: %s[%d] locks a mutex it holds (%p): deadlock", task->comm, task->pid, lock);
    mutex_waiter waiter { {}, task };
    list_add_tail(&waiter.list, &lock->wait_list);
    // Sleep until the unlock hands the mutex over; wake-ups for other reasons go back to sleep.
    while (lock->owner != task) {
        set_current_state(TASK_UNINTERRUPTIBLE);
        schedule();
    }
    __set_current_state(TASK_RUNNING);
}

void mutex_unlock(mutex* lock)
{
    IrqSaveGuard irqs_off;
    task_struct* task = current();
    if (lock->owner != task) {
        // Linux's debug check, word for word; as there, the unlock still happens.
        pr_warn("DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current)\n");
        pr_warn("mutex_unlock: %s[%d] unlocks %p, held by %s\n", task->comm, task->pid, lock,
                lock->owner ? lock->owner->comm : "nobody");
        if (!lock->owner)
            return;
    }
    if (list_empty(&lock->wait_list)) {
        lock->owner = nullptr;
        return;
    }
    auto* waiter = list_first_entry(&lock->wait_list, mutex_waiter, list);
    list_del_init(&waiter->list);
    lock->owner = waiter->task;
    wake_up_process(waiter->task);
}
