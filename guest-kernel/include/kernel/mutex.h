// Sleeping mutexes (Linux's include/linux/mutex.h, kernel/locking/mutex.c): a task that finds the
// mutex taken sleeps until the owner unlocks, which hands it straight to the longest waiter
// (FIFO handoff: no barging, no starvation). Only the owner may unlock (checked, as Linux's
// CONFIG_DEBUG_MUTEXES checks). Not for interrupt context.
#pragma once

#include <kernel/list.h>
#include <kernel/sched.h>

struct mutex {
    task_struct* owner; // nullptr when unlocked
    list_head wait_list; // mutex_waiter, oldest first
};

void mutex_init(mutex* lock);
void mutex_lock(mutex* lock);
bool mutex_trylock(mutex* lock); // true if taken
void mutex_unlock(mutex* lock);
inline bool mutex_is_locked(const mutex* lock) { return lock->owner != nullptr; }

// A mutex held for a scope.
class MutexGuard {
public:
    explicit MutexGuard(mutex* lock) : m_lock(lock) { mutex_lock(lock); }
    ~MutexGuard() { mutex_unlock(m_lock); }
    MutexGuard(const MutexGuard&) = delete;
    MutexGuard& operator=(const MutexGuard&) = delete;

private:
    mutex* m_lock;
};
