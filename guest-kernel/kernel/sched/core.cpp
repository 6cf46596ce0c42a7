// The scheduler: one CPU, one round-robin run queue (Linux's SCHED_RR with its 100 ms slice, for
// every task). The running task is not on the queue; schedule() puts it back at the tail if it is
// still runnable and runs the head, or the idle task when the queue is empty. User space is
// preempted at the tick (scheduler_tick asks, exit_to_user_mode_prepare honours); kernel code
// gives the CPU up only where it calls schedule(), cond_resched() or sleeps.
//
// Locking: one CPU, so turning interrupts off around a change of the run queue or a task's state
// is the lock (an interrupt handler's wake_up_process is the only other party).
#include <asm/fpu.h>
#include <asm/processor.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>
#include <kernel/timer.h>
#include <kernel/watchdog.h>

extern "C" char init_stack_top[];

namespace {

constexpr unsigned RR_TIMESLICE = 100 * HZ / 1000; // ticks: Linux's sched_rr_timeslice, 100 ms

task_struct g_idle_task; // the boot context (Linux's init_task), on the boot stack
list_head g_run_queue;
bool g_need_resched;
u64 g_nr_switches;

void enqueue_task(task_struct* task)
{
    list_add_tail(&task->run_list, &g_run_queue);
    task->on_rq = true;
}

task_struct* pick_next_task()
{
    if (list_empty(&g_run_queue))
        return &g_idle_task;
    task_struct* next = list_first_entry(&g_run_queue, task_struct, run_list);
    list_del_init(&next->run_list);
    next->on_rq = false;
    return next;
}

// After the switch, on the new task's stack: the task switched away from may be dead, and its
// stack (just left) can go now (Linux's finish_task_switch).
void finish_task_switch(task_struct* prev)
{
    if (prev->state == TASK_DEAD)
        put_task_struct(prev);
}

} // namespace

void sched_init()
{
    task_struct* idle = &g_idle_task;
    idle->pid = idle->tgid = 0;
    idle->state = TASK_RUNNING;
    idle->flags = PF_KTHREAD;
    __builtin_memcpy(idle->comm, "swapper/0", sizeof "swapper/0");
    idle->kernel_stack_top = reinterpret_cast<u64>(init_stack_top);
    idle->real_parent = idle;
    INIT_LIST_HEAD(&idle->children);
    INIT_LIST_HEAD(&idle->sibling);
    INIT_LIST_HEAD(&idle->run_list);
    INIT_LIST_HEAD(&g_run_queue);
    fpu__init_cpu();
    fpstate_init(&idle->thread.fpu);
    cpu0_percpu.current = idle;
    cpu0_percpu.kernel_stack = idle->kernel_stack_top;
}

bool is_idle_task(const task_struct* task) { return task == &g_idle_task; }
task_struct* idle_task() { return &g_idle_task; }

bool need_resched() { return g_need_resched; }
void set_need_resched() { g_need_resched = true; }
u64 nr_context_switches() { return g_nr_switches; }

void schedule()
{
    IrqSaveGuard irqs_off;
    // A scheduling point: timers the tick could not run on top of kernel code run here (kernel/
    // timer.cpp), and the CPU is evidently not locked up.
    run_timers();
    touch_softlockup_watchdog();
    task_struct* prev = current();
    // A signal cuts an interruptible sleep short before it starts (Linux's signal_pending_state).
    if ((prev->state & TASK_INTERRUPTIBLE) && signal_pending(prev))
        prev->state = TASK_RUNNING;
    g_need_resched = false;
    if (prev->state == TASK_RUNNING && !prev->on_rq && !is_idle_task(prev))
        enqueue_task(prev);
    task_struct* next = pick_next_task();
    if (next == prev)
        return;
    g_nr_switches++;
    task_struct* last = switch_to(prev, next);
    finish_task_switch(last);
}

extern "C" void schedule_tail(task_struct* prev)
{
    finish_task_switch(prev);
    local_irq_enable(); // a new task starts with interrupts on (Linux's ret_from_fork)
}

void cond_resched()
{
    if (g_need_resched)
        schedule();
}

void yield()
{
    IrqSaveGuard irqs_off;
    set_need_resched();
    schedule();
}

void scheduler_tick()
{
    task_struct* task = current();
    if (is_idle_task(task))
        return; // a wake-up, not the tick, ends idling
    if (task->time_slice > 1) {
        task->time_slice--;
        return;
    }
    task->time_slice = RR_TIMESLICE;
    if (!list_empty(&g_run_queue))
        set_need_resched();
}

bool try_to_wake_up(task_struct* task, long state)
{
    IrqSaveGuard irqs_off;
    if (!(task->state & state))
        return false;
    task->state = TASK_RUNNING;
    // A task woken before it got to schedule() away is still current: it just goes on running.
    if (task != current() && !task->on_rq) {
        enqueue_task(task);
        if (is_idle_task(current()))
            set_need_resched();
    }
    return true;
}

bool wake_up_process(task_struct* task) { return try_to_wake_up(task, TASK_NORMAL); }

void wake_up_new_task(task_struct* task)
{
    IrqSaveGuard irqs_off;
    task->state = TASK_RUNNING;
    task->time_slice = RR_TIMESLICE;
    enqueue_task(task);
    if (is_idle_task(current()))
        set_need_resched();
}

long sys_sched_yield()
{
    yield();
    return 0;
}

long sys_getpid() { return current()->tgid; }
long sys_gettid() { return current()->pid; }
long sys_getppid() { return current()->real_parent->tgid; }
