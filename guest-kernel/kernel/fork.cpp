// Creating a task: its struct, its kernel stack, and (for init) the first pid.
#include <asm/page.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/string.h>

lkm::ErrorOr<task_struct*> create_task(const char* comm)
{
    static int next_pid = 1;
    auto* task = static_cast<task_struct*>(kmalloc(sizeof(task_struct)));
    if (!task)
        return lkm::Error::from_errno(LKM_ENOMEM, "create_task: no memory for the task");
    auto stack = alloc_pages(THREAD_SIZE / PAGE_SIZE);
    if (stack.is_error()) {
        kfree(task);
        return stack.release_error();
    }
    task->pid = next_pid++;
    strlcpy(task->comm, comm, sizeof(task->comm));
    task->uid = task->euid = task->suid = 0;
    task->kernel_stack_phys = stack.value();
    task->kernel_stack_top = reinterpret_cast<u64>(__va(stack.value())) + THREAD_SIZE;
    return task;
}
