// The signal state a task carries (Linux's signal_types.h): the sets, the queue of pending
// siginfo, the handler table. sched.h includes this for task_struct's signal fields;
// kernel/signal.cpp is what changes them.
#pragma once

#include <lkmemu/signal.h>
#include <kernel/types.h>

// A set of the 64 signals, bit (sig - 1), as x86-64 Linux's sigset_t (_NSIG_WORDS = 1).
struct sigset_t {
    u64 sig;
};

// One pending signal's siginfo. Standard signals have at most one (they coalesce); real-time
// ones queue an entry per send.
struct sigqueue {
    sigqueue* next;
    lkm_siginfo info;
};

// What is pending for a task: the set, and the siginfo queue in send order. A signal in the set
// without an entry in the queue lost its siginfo to the pending limit (Linux delivers it with a
// bare SI_USER info then).
struct sigpending {
    sigset_t signal;
    sigqueue* head;
    sigqueue* tail;
    u64 count; // queue entries, charged against the RLIMIT_SIGPENDING default
};

// The actions for all 64 signals. Refcounted: clone(CLONE_SIGHAND) shares one table.
struct sighand_struct {
    u64 count;
    lkm_sigaction action[LKM_NSIG];
};
