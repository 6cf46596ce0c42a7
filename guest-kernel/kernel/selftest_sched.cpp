// selftest=sched: the scheduler and the sleeping primitives, exercised by kernel threads from
// pid 1 before it becomes init. Each check prints one line (tests/integration/sched_test.cpp
// asserts them); a failure panics with what went wrong. Times are guest time (jiffies), so the
// lines are the same on every run.
#include <lkmemu/errno.h>
#include <asm/processor.h>
#include <kernel/completion.h>
#include <kernel/kthread.h>
#include <kernel/mm.h>
#include <kernel/mutex.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>
#include <kernel/time.h>
#include <kernel/timer.h>
#include <kernel/wait.h>

namespace {

constexpr u64 NSEC_PER_TICK = 1000000000ull / HZ;

task_struct* start(int (*fn)(void*), void* arg, const char* name)
{
    auto task = kthread_run(fn, arg, name);
    if (task.is_error())
        panic("selftest: sched: cannot start %s: %s", name, task.error().reason);
    return task.value();
}

// A thread's last acts before returning: say its work is done (a thread stopped before it first
// ran would not do it: kthread_stop returns -EINTR then), and wait to be stopped, so that
// kthread_stop finds it alive.
void wait_for_stop(completion* done = nullptr)
{
    if (done)
        complete(done);
    for (;;) {
        set_current_state(TASK_INTERRUPTIBLE);
        if (kthread_should_stop())
            break;
        schedule();
    }
    __set_current_state(TASK_RUNNING);
}

int idle_thread_fn(void*)
{
    wait_for_stop();
    return 0;
}

// Busy: counts, giving the CPU up only where the tick asked (cond_resched).
int busy_fn(void* arg)
{
    auto* counter = static_cast<volatile u64*>(arg);
    while (!kthread_should_stop()) {
        *counter = *counter + 1;
        cond_resched();
    }
    return 0;
}

void check_busy_threads()
{
    volatile u64 counts[2] = {};
    task_struct* a = start(busy_fn, const_cast<u64*>(&counts[0]), "busy/0");
    task_struct* b = start(busy_fn, const_cast<u64*>(&counts[1]), "busy/1");
    u64 switches = nr_context_switches();
    msleep(200);
    u64 a1 = counts[0], b1 = counts[1];
    msleep(200);
    u64 a2 = counts[0], b2 = counts[1];
    switches = nr_context_switches() - switches;
    kthread_stop(a);
    kthread_stop(b);
    if (!a1 || !b1 || a2 <= a1 || b2 <= b1)
        panic("selftest: sched: busy threads starved: %lu/%lu then %lu/%lu", a1, b1, a2, b2);
    // 400 ms of two busy threads at a 100 ms slice: they took turns, more than once each.
    if (switches < 6)
        panic("selftest: sched: only %lu context switches among two busy threads", switches);
    pr_info("selftest: sched: two busy threads both progressed, switched at the tick's cond_resched\n");
}

int sleeper_fn(void* done)
{
    u64 start_ns = local_clock();
    msleep(20);
    long slept = static_cast<long>(local_clock() - start_ns);
    wait_for_stop(static_cast<completion*>(done));
    return static_cast<int>(slept / 1000); // in µs
}

void check_sleep()
{
    completion done;
    init_completion(&done);
    task_struct* sleeper = start(sleeper_fn, &done, "sleeper");
    wait_for_completion(&done);
    long slept_us = kthread_stop(sleeper);
    if (slept_us < 20000 || slept_us >= 20000 + static_cast<long>(NSEC_PER_TICK / 1000))
        panic("selftest: sched: msleep(20) slept %ld us", slept_us);
    pr_info("selftest: sched: msleep(20) woke after %ld ms\n", slept_us / 1000);
}

constexpr int MUTEX_THREADS = 4, MUTEX_ROUNDS = 50;

struct counter_state {
    completion done; // once per thread
    mutex lock;
    volatile int value;
    volatile int contended; // times a thread found the mutex taken
};

int counter_fn(void* arg)
{
    auto* state = static_cast<counter_state*>(arg);
    for (int i = 0; i < MUTEX_ROUNDS; i++) {
        if (mutex_is_locked(&state->lock))
            state->contended = state->contended + 1;
        mutex_lock(&state->lock);
        int value = state->value;
        schedule(); // the others run, and block on the mutex
        state->value = value + 1;
        mutex_unlock(&state->lock);
    }
    wait_for_stop(&state->done);
    return 0;
}

void check_mutex()
{
    counter_state state {};
    init_completion(&state.done);
    mutex_init(&state.lock);
    task_struct* threads[MUTEX_THREADS];
    for (auto& thread : threads)
        thread = start(counter_fn, &state, "counter");
    for (int i = 0; i < MUTEX_THREADS; i++)
        wait_for_completion(&state.done);
    for (auto* thread : threads) {
        if (kthread_stop(thread) != 0)
            panic("selftest: sched: a counter thread did not run");
    }
    if (state.value != MUTEX_THREADS * MUTEX_ROUNDS || mutex_is_locked(&state.lock) || !state.contended)
        panic("selftest: sched: mutex counter %d of %d (contended %d)", state.value, MUTEX_THREADS * MUTEX_ROUNDS,
              state.contended);
    pr_info("selftest: sched: %d threads x %d increments under a mutex, schedule() inside: %d\n", MUTEX_THREADS,
            MUTEX_ROUNDS, state.value);
}

int completion_waiter_fn(void* arg)
{
    wait_for_completion(static_cast<completion*>(arg));
    wait_for_stop();
    return 1;
}

void check_completion()
{
    completion done;
    init_completion(&done);
    task_struct* waiter = start(completion_waiter_fn, &done, "waiter");
    msleep(8); // it runs and blocks
    if (waiter->state != TASK_UNINTERRUPTIBLE)
        panic("selftest: sched: the completion's waiter is not asleep (state %ld)", waiter->state);
    complete(&done);
    if (kthread_stop(waiter) != 1)
        panic("selftest: sched: the completion's waiter did not get through");
    pr_info("selftest: sched: complete() woke the waiter\n");
}

struct wake_state {
    wait_queue_head wq;
    volatile bool flag;
};

int waker_fn(void* arg)
{
    auto* state = static_cast<wake_state*>(arg);
    msleep(8);
    state->flag = true;
    wake_up(&state->wq);
    wait_for_stop();
    return 0;
}

void check_wait_event_timeout()
{
    wake_state state {};
    init_waitqueue_head(&state.wq);
    u64 before = jiffies;
    long left = wait_event_timeout(state.wq, [&] { return state.flag; }, 5);
    u64 waited = jiffies - before;
    if (left != 0 || waited != 5)
        panic("selftest: sched: wait_event_timeout returned %ld after %lu ticks, not 0 after 5", left, waited);
    task_struct* waker = start(waker_fn, &state, "waker");
    left = wait_event_timeout(state.wq, [&] { return state.flag; }, 50);
    kthread_stop(waker);
    if (left <= 0 || !state.flag)
        panic("selftest: sched: wait_event_timeout missed its wake-up (%ld)", left);
    pr_info("selftest: sched: wait_event_timeout: 0 on timeout, jiffies left when woken\n");
}

struct mem_snapshot {
    u64 free_pages, kmalloc_bytes, kmalloc_objects;
    unsigned tasks;
    bool operator==(const mem_snapshot&) const = default;
};

mem_snapshot snapshot()
{
    return { kernel_meminfo.free_pages, kernel_meminfo.kmalloc_bytes, kernel_meminfo.kmalloc_objects, nr_tasks() };
}

} // namespace

void selftest_sched()
{
    // The stack area keeps the descriptors of the most stacks ever alive at once
    // (mm/vmap_stack.cpp): size it for the busiest check first, then take the baseline.
    task_struct* warm[MUTEX_THREADS];
    for (auto& thread : warm)
        thread = start(idle_thread_fn, nullptr, "warmup");
    for (auto* thread : warm)
        kthread_stop(thread);
    mem_snapshot const baseline = snapshot();

    check_busy_threads();
    check_sleep();
    check_mutex();
    check_completion();
    check_wait_event_timeout();

    mem_snapshot const after = snapshot();
    if (!(after == baseline))
        panic("selftest: sched: memory not back: free pages %lu -> %lu, kmalloc %lu -> %lu bytes, tasks %u -> %u",
              baseline.free_pages, after.free_pages, baseline.kmalloc_bytes, after.kmalloc_bytes, baseline.tasks,
              after.tasks);
    pr_info("selftest: sched: all threads gone, memory back to baseline\n");
}
