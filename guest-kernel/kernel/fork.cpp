// Creating a task: its struct, its kernel stack (virtually mapped, with a guard below it: an
// overflow faults instead of corrupting memory), and its pid. Pids are handed out in order and
// wrap at PID_MAX to RESERVED_PIDS, skipping those in use (Linux's alloc_pid over its cyclic
// idr); the tasks are in a tree by pid, so lookup and allocation are O(log tasks) (plus the run
// of taken pids skipped after a wrap). No cap but memory and PID_MAX.
#include <lkmemu/errno.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <kernel/cred.h>
#include <kernel/kthread.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/vmap_stack.h>

namespace {

constexpr int PID_MAX = 32768;     // Linux's PID_MAX_DEFAULT
constexpr int RESERVED_PIDS = 300; // where the numbering starts again after a wrap

rb_root g_pid_tree;
int g_last_pid; // the pid handed out last
unsigned g_nr_tasks = 1; // the idle task

task_struct* pid_task(const rb_node* node) { return const_cast<task_struct*>(rb_entry_const(node, task_struct, pid_node)); }

// The task with the lowest pid >= pid, or nullptr.
task_struct* first_task_from(int pid)
{
    rb_node* node = g_pid_tree.rb_node;
    task_struct* found = nullptr;
    while (node) {
        task_struct* task = pid_task(node);
        if (task->pid >= pid) {
            found = task;
            node = node->rb_left;
        } else {
            node = node->rb_right;
        }
    }
    return found;
}

// The first free pid in [from, PID_MAX), or 0.
int free_pid_from(int from)
{
    int candidate = from;
    for (task_struct* task = first_task_from(from); task && task->pid == candidate && candidate < PID_MAX;) {
        candidate++;
        rb_node* next = rb_next(&task->pid_node);
        task = next ? pid_task(next) : nullptr;
    }
    return candidate < PID_MAX ? candidate : 0;
}

lkm::ErrorOr<int> alloc_pid()
{
    int pid = free_pid_from(g_last_pid + 1);
    if (!pid)
        pid = free_pid_from(RESERVED_PIDS);
    if (!pid)
        return lkm::Error::from_errno(LKM_EAGAIN, "alloc_pid: no free pid");
    g_last_pid = pid;
    return pid;
}

void link_pid(task_struct* task)
{
    rb_add(&task->pid_node, &g_pid_tree,
           [](const rb_node* a, const rb_node* b) { return pid_task(a)->pid < pid_task(b)->pid; });
}

} // namespace

lkm::ErrorOr<task_struct*> create_task(const char* comm, void (*fn)(void*), void* arg, unsigned flags)
{
    auto* task = static_cast<task_struct*>(kmalloc(sizeof(task_struct)));
    if (!task)
        return lkm::Error::from_errno(LKM_ENOMEM, "create_task: no memory for the task");
    auto stack = vmap_stack_alloc(THREAD_SIZE, "TASK");
    if (stack.is_error()) {
        kfree(task);
        return stack.release_error();
    }
    IrqSaveGuard irqs_off; // the pid tree and the parent's children list
    auto pid = alloc_pid();
    if (pid.is_error()) {
        vmap_stack_free(stack.value());
        kfree(task);
        return pid.release_error();
    }
    task->pid = task->tgid = pid.value();
    task->state = TASK_UNINTERRUPTIBLE; // until wake_up_new_task
    task->flags = flags;
    task->usage = 1; // the task's own, dropped once it is dead and switched away from
    strlcpy(task->comm, comm, sizeof(task->comm));
    task->uid = task->euid = task->suid = 0;
    init_task_abi_state(task); // gids, groups, limits (kernel/cred.h)
    task->stack = stack.value();
    task->kernel_stack_top = task->stack->end;
    // Kernel threads and init are children of the idle task here (Linux's init and kthreadd
    // are; there is no kthreadd yet).
    task->real_parent = idle_task();
    INIT_LIST_HEAD(&task->children);
    list_add_tail(&task->sibling, &task->real_parent->children);
    INIT_LIST_HEAD(&task->run_list);
    copy_thread(task, fn, arg);
    link_pid(task);
    g_nr_tasks++;
    return task;
}

task_struct* find_task_by_pid(int pid)
{
    IrqSaveGuard irqs_off;
    task_struct* task = first_task_from(pid);
    return task && task->pid == pid ? task : nullptr;
}

void put_task_struct(task_struct* task)
{
    if (--task->usage == 0)
        free_task(task);
}

void free_task(task_struct* task)
{
    {
        IrqSaveGuard irqs_off;
        rb_erase(&task->pid_node, &g_pid_tree);
        list_del_init(&task->sibling);
        g_nr_tasks--;
    }
    release_abi_state(task);
    vmap_stack_free(task->stack);
    kthread_free(task);
    kfree(task);
}

unsigned nr_tasks() { return g_nr_tasks; }
