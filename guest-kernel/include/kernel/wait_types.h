// The wait queue's two structs (Linux keeps them in include/linux/wait.h; here they are apart so
// that task_struct can hold a queue, as signal_types.h does for the signal state): sched.h
// includes this, wait.h the operations on them.
#pragma once

#include <kernel/list.h>

struct task_struct;

struct wait_queue_entry {
    unsigned flags;
    task_struct* task;
    list_head entry;
};

struct wait_queue_head {
    list_head head;
};
