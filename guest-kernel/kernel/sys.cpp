// Credentials: the uid and gid calls with Linux's rules (kernel/sys.c). Root (euid 0, which
// stands for CAP_SETUID and CAP_SETGID) may become anyone; anyone else may only move between the
// real, effective and saved ids it has. setresuid lets a privileged process drop its effective
// uid and keep 0 as the saved one, to take it back for one privileged call (init does that to
// power off: user/init.cpp). The gid calls check privilege on the euid too, as Linux does.
#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

namespace {

constexpr u32 UNCHANGED = static_cast<u32>(-1);

// One id triple (real, effective, saved): the uids or the gids of a task.
struct id_triple {
    u32& real;
    u32& effective;
    u32& saved;

    bool holds(u32 id) const { return id == real || id == effective || id == saved; }
};

id_triple uids(task_struct* task) { return { task->uid, task->euid, task->suid }; }
id_triple gids(task_struct* task) { return { task->gid, task->egid, task->sgid }; }
bool privileged() { return current()->euid == 0; }
long changed_user(long result)
{
    if (result == 0)
        set_user(current());
    return result;
}

// setuid(2) / setgid(2): a privileged caller sets all three; another may set the effective id
// to its real or saved one.
long set_id(id_triple ids, u32 id)
{
    if (id == UNCHANGED)
        return -LKM_EINVAL; // not a valid id (Linux's uid_valid)
    if (privileged()) {
        ids.real = ids.effective = ids.saved = id;
        return 0;
    }
    if (id == ids.real || id == ids.saved) {
        ids.effective = id;
        return 0;
    }
    return -LKM_EPERM;
}

// setreuid(2) / setregid(2): the real id may become the real or effective one, the effective id
// any of the three; the saved id follows the new effective one when the real id is set, or when
// the effective id is set to something other than the old real id.
long set_real_effective(id_triple ids, u32 real, u32 effective)
{
    bool root = privileged();
    if (real != UNCHANGED && !root && real != ids.real && real != ids.effective)
        return -LKM_EPERM;
    if (effective != UNCHANGED && !root && !ids.holds(effective))
        return -LKM_EPERM;
    u32 old_real = ids.real;
    if (real != UNCHANGED)
        ids.real = real;
    if (effective != UNCHANGED)
        ids.effective = effective;
    if (real != UNCHANGED || (effective != UNCHANGED && effective != old_real))
        ids.saved = ids.effective;
    return 0;
}

// setresuid(2) / setresgid(2): each id, unless -1, must be one of the three the task has.
long set_resid(id_triple ids, u32 real, u32 effective, u32 saved)
{
    if (!privileged()) {
        auto allowed = [&ids](u32 id) { return id == UNCHANGED || ids.holds(id); };
        if (!allowed(real) || !allowed(effective) || !allowed(saved))
            return -LKM_EPERM;
    }
    if (real != UNCHANGED)
        ids.real = real;
    if (effective != UNCHANGED)
        ids.effective = effective;
    if (saved != UNCHANGED)
        ids.saved = saved;
    return 0;
}

long get_resid(const id_triple& ids, u64 real, u64 effective, u64 saved)
{
    if (copy_to_user(real, &ids.real, sizeof(u32)) || copy_to_user(effective, &ids.effective, sizeof(u32)) ||
        copy_to_user(saved, &ids.saved, sizeof(u32)))
        return -LKM_EFAULT;
    return 0;
}

} // namespace

long sys_getuid() { return current()->uid; }
long sys_geteuid() { return current()->euid; }
long sys_getgid() { return current()->gid; }
long sys_getegid() { return current()->egid; }

// A real uid that changes moves the task's RLIMIT_NPROC count along (kernel/fork.cpp).
long sys_setuid(unsigned uid) { return changed_user(set_id(uids(current()), uid)); }
long sys_setgid(unsigned gid) { return set_id(gids(current()), gid); }
long sys_setreuid(unsigned ruid, unsigned euid) { return changed_user(set_real_effective(uids(current()), ruid, euid)); }
long sys_setregid(unsigned rgid, unsigned egid) { return set_real_effective(gids(current()), rgid, egid); }

long sys_setresuid(unsigned ruid, unsigned euid, unsigned suid)
{
    return changed_user(set_resid(uids(current()), ruid, euid, suid));
}

long sys_setresgid(unsigned rgid, unsigned egid, unsigned sgid)
{
    return set_resid(gids(current()), rgid, egid, sgid);
}

long sys_getresuid(u64 ruid, u64 euid, u64 suid) { return get_resid(uids(current()), ruid, euid, suid); }
long sys_getresgid(u64 rgid, u64 egid, u64 sgid) { return get_resid(gids(current()), rgid, egid, sgid); }
