// Creating a task: its struct, its kernel stack (virtually mapped, with a guard below it: an
// overflow faults instead of corrupting memory), and (for init) the first pid.
#include <asm/page.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/vmap_stack.h>

lkm::ErrorOr<task_struct*> create_task(const char* comm)
{
    static int next_pid = 1;
    auto* task = static_cast<task_struct*>(kmalloc(sizeof(task_struct)));
    if (!task)
        return lkm::Error::from_errno(LKM_ENOMEM, "create_task: no memory for the task");
    auto stack = vmap_stack_alloc(THREAD_SIZE, "TASK");
    if (stack.is_error()) {
        kfree(task);
        return stack.release_error();
    }
    task->pid = next_pid++;
    strlcpy(task->comm, comm, sizeof(task->comm));
    task->uid = task->euid = task->suid = 0;
    task->stack = stack.value();
    task->kernel_stack_top = task->stack->end;
    return task;
}
