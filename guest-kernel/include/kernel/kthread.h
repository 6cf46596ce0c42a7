// Kernel threads (Linux's include/linux/kthread.h, kernel/kthread.c): a task that runs threadfn
// in the kernel, with interrupts on, until threadfn returns or kthread_stop asks it to
// (kthread_should_stop). It is preempted nowhere: it calls schedule(), cond_resched() or sleeps.
// When it ends, its stack and struct are freed after the CPU has switched away from it.
#pragma once

#include <kernel/sched.h>
#include <loader/error_or.h>

// A new thread named comm, not yet running (wake_up_process starts it).
lkm::ErrorOr<task_struct*> kthread_create(int (*threadfn)(void* data), void* data, const char* comm);
// kthread_create, then wake_up_process.
lkm::ErrorOr<task_struct*> kthread_run(int (*threadfn)(void* data), void* data, const char* comm);
// Asks the thread to stop, wakes it, waits for it to end; returns threadfn's result (-EINTR if
// it was stopped before it ever ran). The thread must not have ended on its own before.
int kthread_stop(task_struct* task);
// In a kthread: has kthread_stop been called on it?
bool kthread_should_stop();
// End the current kthread with result (what kthread_stop returns).
[[noreturn]] void kthread_exit(long result);

// kernel/fork.cpp's free_task: the kthread's bookkeeping goes with its task.
void kthread_free(task_struct* task);
// do_exit: tell a waiting kthread_stop that the thread ended.
void kthread_exited(task_struct* task, long result);
