// Credentials: getuid(2), setuid(2) and setresuid(2) with Linux's rules. Root (euid 0) may
// become anyone; anyone else may only move between the real, effective and saved uids it has.
// setresuid lets a privileged process drop its effective uid and keep 0 as the saved one, to
// take it back for one privileged call (init does that to power off: user/init.cpp).
#include <lkmemu/errno.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

long sys_getuid() { return current()->uid; }

long sys_setuid(unsigned uid)
{
    task_struct* task = current();
    if (task->euid == 0) {
        task->uid = task->euid = task->suid = uid;
        return 0;
    }
    if (uid == task->uid || uid == task->suid) {
        task->euid = uid;
        return 0;
    }
    return -LKM_EPERM;
}

long sys_setresuid(unsigned ruid, unsigned euid, unsigned suid)
{
    constexpr unsigned UNCHANGED = static_cast<unsigned>(-1);
    task_struct* task = current();
    auto allowed = [task](unsigned id) {
        return id == UNCHANGED || task->euid == 0 || id == task->uid || id == task->euid || id == task->suid;
    };
    if (!allowed(ruid) || !allowed(euid) || !allowed(suid))
        return -LKM_EPERM;
    if (ruid != UNCHANGED)
        task->uid = ruid;
    if (euid != UNCHANGED)
        task->euid = euid;
    if (suid != UNCHANGED)
        task->suid = suid;
    return 0;
}
