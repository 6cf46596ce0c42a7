// Kernel threads (include/kernel/kthread.h). Each has a struct kthread beside its task_struct
// (Linux's to_kthread): the function, the stop request and the completion kthread_stop waits on.
#include <lkmemu/errno.h>
#include <kernel/completion.h>
#include <kernel/kthread.h>
#include <kernel/slab.h>

struct kthread {
    int (*threadfn)(void*);
    void* data;
    bool should_stop;
    long result;
    completion exited;
};

namespace {

kthread* to_kthread(const task_struct* task) { return task->kthread_data; }

// Every kthread starts here (ret_from_fork calls it with interrupts on).
void kthread_entry(void*)
{
    kthread* self = to_kthread(current());
    // Stopped before it ever ran: threadfn is not called (Linux's kthread() returns -EINTR).
    long result = self->should_stop ? -LKM_EINTR : self->threadfn(self->data);
    kthread_exit(result);
}

} // namespace

lkm::ErrorOr<task_struct*> kthread_create(int (*threadfn)(void*), void* data, const char* comm)
{
    auto* self = static_cast<kthread*>(kmalloc(sizeof(kthread)));
    if (!self)
        return lkm::Error::from_errno(LKM_ENOMEM, "kthread_create: no memory");
    self->threadfn = threadfn;
    self->data = data;
    self->should_stop = false;
    self->result = 0;
    init_completion(&self->exited);
    auto task = create_task(comm, kthread_entry, nullptr, PF_KTHREAD);
    if (task.is_error()) {
        kfree(self);
        return task.release_error();
    }
    task.value()->kthread_data = self;
    return task.value();
}

lkm::ErrorOr<task_struct*> kthread_run(int (*threadfn)(void*), void* data, const char* comm)
{
    task_struct* task = TRY(kthread_create(threadfn, data, comm));
    wake_up_new_task(task);
    return task;
}

bool kthread_should_stop()
{
    kthread* self = to_kthread(current());
    return self && self->should_stop;
}

int kthread_stop(task_struct* task)
{
    kthread* k = to_kthread(task);
    get_task_struct(task); // its struct (and k) outlive the thread until we have read the result
    k->should_stop = true;
    wake_up_process(task); // a sleeper, or a thread never started: it sees should_stop
    wait_for_completion(&k->exited);
    int result = static_cast<int>(k->result);
    put_task_struct(task);
    return result;
}

void kthread_exit(long result) { do_exit(result); }

void kthread_exited(task_struct* task, long result)
{
    if (kthread* k = to_kthread(task)) {
        k->result = result;
        complete(&k->exited);
    }
}

void kthread_free(task_struct* task)
{
    kfree(task->kthread_data);
    task->kthread_data = nullptr;
}
