// A libc's thread bookkeeping at start-up (Linux's kernel/futex/syscalls.c and kernel/fork.c's
// set_tid_address): where the thread's robust-futex list is, and the word to clear at its exit.
// The kernel only records them here; walking the robust list and the clear-and-wake at exit need
// futexes, which lkmemu does not have yet (a single-threaded process never needs either).
//
// rseq(2) is not implemented: it is ENOSYS, as in a kernel built without CONFIG_RSEQ, which
// glibc accepts (it then does without restartable sequences).
#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

namespace {
constexpr u64 ROBUST_LIST_HEAD_SIZE = 24; // struct robust_list_head on x86-64
} // namespace

long sys_set_tid_address(u64 tidptr)
{
    task_struct* task = current();
    task->clear_child_tid = tidptr;
    return task->pid; // the caller's thread id
}

long sys_set_robust_list(u64 head, size_t len)
{
    if (len != ROBUST_LIST_HEAD_SIZE)
        return -LKM_EINVAL;
    task_struct* task = current();
    task->robust_list = head;
    task->robust_list_len = len;
    return 0;
}

long sys_get_robust_list(int pid, u64 head_ptr, u64 len_ptr)
{
    const task_struct* task = pid ? find_task_by_pid(pid) : current();
    if (!task)
        return -LKM_ESRCH;
    const task_struct* self = current();
    // Linux's ptrace_may_access(PTRACE_MODE_READ): the same real uid, or root.
    if (task != self && self->euid != 0 && self->uid != task->uid)
        return -LKM_EPERM;
    if (copy_to_user(len_ptr, &ROBUST_LIST_HEAD_SIZE, sizeof(u64)))
        return -LKM_EFAULT;
    return copy_to_user(head_ptr, &task->robust_list, sizeof(u64)) ? -LKM_EFAULT : 0;
}
