// prctl(2), the options a libc and a shell use (Linux's kernel/sys.c): the task's name (comm),
// the signal for its parent's death, whether it may dump core. Any other option is EINVAL, as
// Linux answers an option it does not know.
#include <lkmemu/errno.h>
#include <lkmemu/prctl.h>
#include <lkmemu/signal.h>
#include <asm/uaccess.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

long sys_prctl(int option, u64 arg2, u64 /*arg3*/, u64 /*arg4*/, u64 /*arg5*/)
{
    task_struct* task = current();
    switch (option) {
    case LKM_PR_SET_NAME: {
        char comm[TASK_COMM_LEN] = {};
        if (strncpy_from_user(comm, arg2, TASK_COMM_LEN - 1) < 0)
            return -LKM_EFAULT;
        __builtin_memcpy(task->comm, comm, sizeof(comm)); // cut at 15 bytes, as Linux's
        return 0;
    }
    case LKM_PR_GET_NAME:
        return copy_to_user(arg2, task->comm, TASK_COMM_LEN) ? -LKM_EFAULT : 0;
    case LKM_PR_SET_PDEATHSIG:
        if (arg2 > LKM_NSIG)
            return -LKM_EINVAL; // valid_signal: 0 (none) to 64
        task->pdeath_signal = static_cast<int>(arg2);
        return 0;
    case LKM_PR_GET_PDEATHSIG:
        return copy_to_user(arg2, &task->pdeath_signal, sizeof(int)) ? -LKM_EFAULT : 0;
    case LKM_PR_GET_DUMPABLE:
        return task->dumpable;
    case LKM_PR_SET_DUMPABLE:
        if (arg2 > 1)
            return -LKM_EINVAL; // SUID_DUMP_DISABLE or SUID_DUMP_USER; 2 is not settable
        task->dumpable = static_cast<int>(arg2);
        return 0;
    default:
        return -LKM_EINVAL;
    }
}
