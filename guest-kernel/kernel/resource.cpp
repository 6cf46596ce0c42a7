// Resource limits: getrlimit(2), setrlimit(2) and prlimit64(2) (Linux's kernel/sys.c
// do_prlimit). A soft limit never exceeds its hard limit; only root (CAP_SYS_RESOURCE) raises a
// hard limit, and no one raises RLIMIT_NOFILE's past nr_open. The defaults are in kernel/cred.cpp.
#include <lkmemu/errno.h>
#include <lkmemu/resource.h>
#include <asm/uaccess.h>
#include <kernel/cred.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

namespace {

constexpr u64 SYSCTL_NR_OPEN = 1024 * 1024; // fs.nr_open's default

long do_prlimit(task_struct* task, unsigned resource, const lkm_rlimit64* new_limit, lkm_rlimit64* old_limit)
{
    if (resource >= LKM_RLIM_NLIMITS)
        return -LKM_EINVAL;
    lkm_rlimit64& limit = task->rlim[resource];
    if (new_limit) {
        if (new_limit->rlim_cur > new_limit->rlim_max)
            return -LKM_EINVAL;
        if (resource == LKM_RLIMIT_NOFILE && new_limit->rlim_max > SYSCTL_NR_OPEN)
            return -LKM_EPERM;
        if (new_limit->rlim_max > limit.rlim_max && current()->euid != 0)
            return -LKM_EPERM;
    }
    if (old_limit)
        *old_limit = limit;
    if (new_limit)
        limit = *new_limit;
    return 0;
}

// May the caller read and change task's limits? Its own, or, as Linux's check_prlimit_permission,
// a task whose uids and gids all equal the caller's real ones; root any.
bool may_prlimit(const task_struct* task)
{
    const task_struct* self = current();
    if (task == self || self->euid == 0)
        return true;
    return self->uid == task->uid && self->uid == task->euid && self->uid == task->suid &&
           self->gid == task->gid && self->gid == task->egid && self->gid == task->sgid;
}

} // namespace

long sys_getrlimit(unsigned resource, u64 rlim)
{
    lkm_rlimit64 value;
    if (long err = do_prlimit(current(), resource, nullptr, &value); err < 0)
        return err;
    return copy_to_user(rlim, &value, sizeof(value)) ? -LKM_EFAULT : 0;
}

long sys_setrlimit(unsigned resource, u64 rlim)
{
    lkm_rlimit64 value;
    if (copy_from_user(&value, rlim, sizeof(value)))
        return -LKM_EFAULT;
    return do_prlimit(current(), resource, &value, nullptr);
}

long sys_prlimit64(int pid, unsigned resource, u64 new_rlim, u64 old_rlim)
{
    lkm_rlimit64 new_value, old_value;
    if (new_rlim && copy_from_user(&new_value, new_rlim, sizeof(new_value)))
        return -LKM_EFAULT;
    task_struct* task = pid ? find_task_by_pid(pid) : current();
    if (!task)
        return -LKM_ESRCH;
    if (!may_prlimit(task))
        return -LKM_EPERM;
    if (long err = do_prlimit(task, resource, new_rlim ? &new_value : nullptr, old_rlim ? &old_value : nullptr); err < 0)
        return err;
    if (old_rlim && copy_to_user(old_rlim, &old_value, sizeof(old_value)))
        return -LKM_EFAULT;
    return 0;
}
