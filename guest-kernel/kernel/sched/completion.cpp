// Completions (include/kernel/completion.h), on a wait queue whose waiters are exclusive: each
// complete() hands one `done` to one waiter, in the order they came.
#include <asm/processor.h>
#include <kernel/completion.h>

namespace {

constexpr unsigned COMPLETE_ALL = ~0u;

long wait_for_common(completion* x, long timeout)
{
    IrqSaveGuard irqs_off; // `done` and the queue change together
    if (!x->done) {
        wait_queue_entry wait;
        init_wait_entry(&wait, WQ_FLAG_EXCLUSIVE);
        do {
            prepare_to_wait_exclusive(&x->wait, &wait, TASK_UNINTERRUPTIBLE);
            timeout = schedule_timeout(timeout);
        } while (!x->done && timeout);
        finish_wait(&x->wait, &wait);
        if (!x->done)
            return 0;
    }
    if (x->done != COMPLETE_ALL)
        x->done--;
    return timeout ? timeout : 1;
}

} // namespace

void init_completion(completion* x)
{
    x->done = 0;
    init_waitqueue_head(&x->wait);
}

void complete(completion* x)
{
    IrqSaveGuard irqs_off;
    if (x->done != COMPLETE_ALL)
        x->done++;
    __wake_up(&x->wait, TASK_NORMAL, 1);
}

void complete_all(completion* x)
{
    IrqSaveGuard irqs_off;
    x->done = COMPLETE_ALL;
    __wake_up(&x->wait, TASK_NORMAL, 0);
}

void wait_for_completion(completion* x) { wait_for_common(x, MAX_SCHEDULE_TIMEOUT); }

long wait_for_completion_timeout(completion* x, long timeout) { return wait_for_common(x, timeout); }

bool completion_done(const completion* x) { return x->done != 0; }
