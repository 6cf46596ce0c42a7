// arch_prctl(2) (Linux's do_arch_prctl_64): the user's FS and GS bases, where a libc keeps its
// thread pointer (TLS: %fs:0 is the thread control block). The value lives in the task
// (thread.fsbase / thread.gsbase), which the context switch loads; the MSR is written now as well,
// for the return to this task. A base outside user space is EPERM, as on Linux.
#include <lkmemu/errno.h>
#include <lkmemu/prctl.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

long sys_arch_prctl(int option, u64 arg2)
{
    thread_struct& thread = current()->thread;
    switch (option) {
    case LKM_ARCH_SET_FS:
        if (arg2 >= TASK_SIZE_MAX)
            return -LKM_EPERM;
        thread.fsbase = arg2;
        wrmsr(MSR_FS_BASE, arg2);
        return 0;
    case LKM_ARCH_SET_GS:
        if (arg2 >= TASK_SIZE_MAX)
            return -LKM_EPERM;
        thread.gsbase = arg2;
        wrmsr(MSR_KERNEL_GS_BASE, arg2); // the user's GS while in the kernel: swapgs brings it back
        return 0;
    case LKM_ARCH_GET_FS:
        return copy_to_user(arg2, &thread.fsbase, sizeof(u64)) ? -LKM_EFAULT : 0;
    case LKM_ARCH_GET_GS:
        return copy_to_user(arg2, &thread.gsbase, sizeof(u64)) ? -LKM_EFAULT : 0;
    default:
        return -LKM_EINVAL;
    }
}
