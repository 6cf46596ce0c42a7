// Wait queues (include/kernel/wait.h). Every change to a queue happens with interrupts off:
// that is the lock on one CPU, and an interrupt handler may call wake_up.
#include <asm/processor.h>
#include <kernel/wait.h>

void init_waitqueue_head(wait_queue_head* wq) { INIT_LIST_HEAD(&wq->head); }

void init_wait_entry(wait_queue_entry* wait, unsigned flags)
{
    wait->flags = flags;
    wait->task = current();
    INIT_LIST_HEAD(&wait->entry);
}

void add_wait_queue(wait_queue_head* wq, wait_queue_entry* wait)
{
    IrqSaveGuard irqs_off;
    wait->flags &= ~WQ_FLAG_EXCLUSIVE;
    list_add(&wait->entry, &wq->head);
}

void remove_wait_queue(wait_queue_head* wq, wait_queue_entry* wait)
{
    (void)wq;
    IrqSaveGuard irqs_off;
    list_del_init(&wait->entry);
}

void prepare_to_wait(wait_queue_head* wq, wait_queue_entry* wait, long state)
{
    IrqSaveGuard irqs_off;
    wait->flags &= ~WQ_FLAG_EXCLUSIVE;
    if (list_empty(&wait->entry))
        list_add(&wait->entry, &wq->head);
    set_current_state(state);
}

void prepare_to_wait_exclusive(wait_queue_head* wq, wait_queue_entry* wait, long state)
{
    IrqSaveGuard irqs_off;
    wait->flags |= WQ_FLAG_EXCLUSIVE;
    // Exclusive waiters at the tail, so that wake_up serves them in the order they came.
    if (list_empty(&wait->entry))
        list_add_tail(&wait->entry, &wq->head);
    set_current_state(state);
}

void finish_wait(wait_queue_head* wq, wait_queue_entry* wait)
{
    (void)wq;
    IrqSaveGuard irqs_off;
    __set_current_state(TASK_RUNNING);
    if (!list_empty(&wait->entry))
        list_del_init(&wait->entry);
}

void __wake_up(wait_queue_head* wq, long mode, int nr_exclusive)
{
    IrqSaveGuard irqs_off;
    for (list_head* node = wq->head.next; node != &wq->head;) {
        auto* wait = list_entry(node, wait_queue_entry, entry);
        node = node->next;
        // The waiter stays queued (finish_wait takes it off): a wake-up before it sleeps is seen
        // by its next condition check.
        if (try_to_wake_up(wait->task, mode) && (wait->flags & WQ_FLAG_EXCLUSIVE) && --nr_exclusive == 0)
            break;
    }
}

bool waitqueue_active(const wait_queue_head* wq) { return !list_empty(&wq->head); }
