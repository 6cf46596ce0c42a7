// Completions (Linux's include/linux/completion.h, kernel/sched/completion.c): "this has
// happened", counted. complete() lets one waiter through (or the next to wait), complete_all()
// every present and future one.
#pragma once

#include <kernel/wait.h>

struct completion {
    unsigned done; // completions not yet consumed; UINT_MAX after complete_all
    wait_queue_head wait;
};

void init_completion(completion* x);
void complete(completion* x);
void complete_all(completion* x);
void wait_for_completion(completion* x);
// 0 if timeout jiffies passed first, else the jiffies left (at least 1).
long wait_for_completion_timeout(completion* x, long timeout);
bool completion_done(const completion* x);
