// The signal system calls (Linux's kernel/signal.c SYSCALL_DEFINEs): actions, masks, the
// alternate stack, waiting for a signal, and sending one (kill, tkill, tgkill, rt_sigqueueinfo)
// with Linux's permission rule. rt_sigreturn is arch/x86_64/kernel/signal.cpp's.
#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/jobctl.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>

namespace {

constexpr size_t SIGSET_SIZE = sizeof(sigset_t);

// The process (thread group) a pid names: with one thread per process, the task itself.
task_struct* find_process(int pid)
{
    task_struct* t = find_task_by_pid(pid);
    return t && t->tgid == t->pid ? t : nullptr;
}

// Whether the sender's credentials let it signal t (Linux's kill_ok_by_cred): a real or
// effective uid matching the target's real or saved one, or root (CAP_KILL).
bool kill_ok_by_cred(const task_struct* t)
{
    const task_struct* self = current();
    return self->euid == t->suid || self->euid == t->uid || self->uid == t->suid || self->uid == t->uid ||
           self->euid == 0;
}

int check_kill_permission(int sig, const lkm_siginfo* info, const task_struct* t)
{
    if (!valid_signal(sig))
        return -LKM_EINVAL;
    if (info->si_code > 0 && info->si_code != LKM_SI_USER)
        return 0; // from the kernel
    if (t->tgid == current()->tgid)
        return 0; // a process may always signal itself
    return kill_ok_by_cred(t) ? 0 : -LKM_EPERM;
}

lkm_siginfo user_siginfo(int sig, int code)
{
    lkm_siginfo info {};
    info.si_signo = sig;
    info.si_code = code;
    info.si_pid = current()->tgid;
    info.si_uid = current()->uid;
    return info;
}

// kill(2)'s targets: a process (pid > 0), the caller's group (0), every process but init and
// the caller (-1), or the group -pid.
int kill_something_info(int sig, const lkm_siginfo* info, int pid)
{
    if (pid == -1)
        return kill_all_info(sig, info);
    if (pid == static_cast<int>(0x80000000u))
        return -LKM_ESRCH; // -INT_MIN names nothing
    if (pid <= 0)
        return kill_pgrp_info(sig, info, pid == 0 ? current()->pgrp : -pid);
    task_struct* t = find_process(pid);
    if (!t)
        return -LKM_ESRCH;
    return group_send_sig_info(sig, info, t);
}

// tkill/tgkill: one thread, checked against its thread group when tgid > 0.
long do_send_specific(int tgid, int pid, int sig, const lkm_siginfo* info)
{
    task_struct* t = find_task_by_pid(pid);
    if (!t || (tgid > 0 && t->tgid != tgid))
        return -LKM_ESRCH;
    int error = check_kill_permission(sig, info, t);
    if (!error && sig)
        error = send_sig_info(sig, info, t);
    return error;
}

// Wait in TASK_INTERRUPTIBLE until a signal is pending; the caller returns -ERESTARTNOHAND, so
// a handler makes it EINTR and a signal without one restarts the wait.
void sleep_until_signal()
{
    for (;;) {
        set_current_state(TASK_INTERRUPTIBLE);
        if (signal_pending(current()))
            break;
        schedule();
    }
    __set_current_state(TASK_RUNNING);
}

} // namespace

// sig 0 checks that the target exists and may be signalled, and sends nothing.
int group_send_sig_info(int sig, const lkm_siginfo* info, task_struct* t)
{
    int error = check_kill_permission(sig, info, t);
    if (!error && sig)
        error = send_sig_info(sig, info, t);
    return error;
}

long sys_rt_sigaction(int sig, u64 act, u64 oact, size_t sigsetsize)
{
    if (sigsetsize != SIGSET_SIZE)
        return -LKM_EINVAL;
    lkm_sigaction new_ka, old_ka;
    if (act && copy_from_user(&new_ka, act, sizeof(new_ka)))
        return -LKM_EFAULT;
    auto done = do_sigaction(sig, act ? &new_ka : nullptr, oact ? &old_ka : nullptr);
    if (done.is_error())
        return -done.error().code;
    if (oact && copy_to_user(oact, &old_ka, sizeof(old_ka)))
        return -LKM_EFAULT;
    return 0;
}

long sys_rt_sigprocmask(int how, u64 nset, u64 oset, size_t sigsetsize)
{
    if (sigsetsize != SIGSET_SIZE)
        return -LKM_EINVAL;
    task_struct* t = current();
    sigset_t old = t->blocked;
    if (nset) {
        sigset_t set;
        if (copy_from_user(&set, nset, sizeof(set)))
            return -LKM_EFAULT;
        switch (how) {
        case LKM_SIG_BLOCK:
            set.sig |= t->blocked.sig;
            break;
        case LKM_SIG_UNBLOCK:
            set.sig = t->blocked.sig & ~set.sig;
            break;
        case LKM_SIG_SETMASK:
            break;
        default:
            return -LKM_EINVAL;
        }
        set_current_blocked(set);
    }
    if (oset && copy_to_user(oset, &old, sizeof(old)))
        return -LKM_EFAULT;
    return 0;
}

long sys_rt_sigpending(u64 uset, size_t sigsetsize)
{
    if (sigsetsize > SIGSET_SIZE)
        return -LKM_EINVAL;
    const task_struct* t = current();
    sigset_t set { t->pending.signal.sig & t->blocked.sig };
    return copy_to_user(uset, &set, sigsetsize) ? -LKM_EFAULT : 0;
}

long sys_rt_sigsuspend(u64 unewset, size_t sigsetsize)
{
    if (sigsetsize != SIGSET_SIZE)
        return -LKM_EINVAL;
    sigset_t set;
    if (copy_from_user(&set, unewset, sizeof(set)))
        return -LKM_EFAULT;
    task_struct* t = current();
    t->saved_sigmask = t->blocked;
    set_current_blocked(set);
    sleep_until_signal();
    t->restore_sigmask = true; // the handler's frame saves the old mask; rt_sigreturn puts it back
    return -ERESTARTNOHAND;
}

long sys_pause()
{
    sleep_until_signal();
    return -ERESTARTNOHAND;
}

long sys_sigaltstack(u64 uss, u64 uoss)
{
    lkm_stack ss, oss;
    if (uss && copy_from_user(&ss, uss, sizeof(ss)))
        return -LKM_EFAULT;
    long error = do_sigaltstack(uss ? &ss : nullptr, uoss ? &oss : nullptr, current_pt_regs()->rsp);
    if (!error && uoss && copy_to_user(uoss, &oss, sizeof(oss)))
        return -LKM_EFAULT;
    return error;
}

long sys_kill(int pid, int sig)
{
    lkm_siginfo info = user_siginfo(sig, LKM_SI_USER);
    return kill_something_info(sig, &info, pid);
}

long sys_tkill(int pid, int sig)
{
    if (pid <= 0)
        return -LKM_EINVAL;
    lkm_siginfo info = user_siginfo(sig, LKM_SI_TKILL);
    return do_send_specific(0, pid, sig, &info);
}

long sys_tgkill(int tgid, int pid, int sig)
{
    if (pid <= 0 || tgid <= 0)
        return -LKM_EINVAL;
    lkm_siginfo info = user_siginfo(sig, LKM_SI_TKILL);
    return do_send_specific(tgid, pid, sig, &info);
}

long sys_rt_sigqueueinfo(int pid, int sig, u64 uinfo)
{
    lkm_siginfo info;
    if (copy_from_user(&info, uinfo, sizeof(info)))
        return -LKM_EFAULT;
    // Another process may not pose as the kernel or as kill()/tkill().
    if ((info.si_code >= 0 || info.si_code == LKM_SI_TKILL) && pid != current()->tgid)
        return -LKM_EPERM;
    info.si_signo = sig;
    task_struct* t = find_process(pid);
    if (!t)
        return -LKM_ESRCH;
    return group_send_sig_info(sig, &info, t);
}
