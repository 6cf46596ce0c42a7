// Waiting for children (Linux's do_wait in kernel/exit.c): wait4(2) and waitid(2) look through
// the caller's children for one the selection (a pid, a process group, any) and the options
// allow — a zombie (WEXITED), a stop not yet reported (WSTOPPED/WUNTRACED) or a continue
// (WCONTINUED), the last two from the job-control fields kernel/signal_stop.cpp sets — and
// otherwise sleep on the caller's wait_chldexit until a child changes (__wake_up_parent).
// The status word and siginfo are Linux's (abi/lkmemu/wait.h). Reaping a zombie frees it
// (release_task). rusage is returned zeroed: lkmemu does not account CPU time per task.
#include <lkmemu/errno.h>
#include <lkmemu/wait.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>
#include <kernel/wait.h>

namespace {

enum class pid_type { all, pid, pgid };

struct wait_opts {
    pid_type type;
    int pid;     // the child (pid) or the group (pgid)
    int options; // WEXITED, WSTOPPED, WCONTINUED, WNOHANG, WNOWAIT, __WALL, __WCLONE
    // What was found, for the caller to copy out.
    int found_pid;
    int status;  // wait4's status word
    int si_code; // waitid's CLD_*
    int si_status;
    u32 si_uid;
};

constexpr size_t RUSAGE_SIZE = 144; // x86-64 struct rusage: two timevals and 14 longs

// Linux's eligible_pid and eligible_child: the selection, and __WCLONE/__WALL against the
// child's exit signal (a "clone child" is one that does not send SIGCHLD).
bool eligible_child(const wait_opts& wo, const task_struct* p)
{
    if (wo.type == pid_type::pid && p->pid != wo.pid)
        return false;
    if (wo.type == pid_type::pgid && p->pgrp != wo.pid)
        return false;
    if (wo.options & LKM_WALL)
        return true;
    bool clone_child = p->exit_signal != SIGCHLD;
    return clone_child == static_cast<bool>(static_cast<unsigned>(wo.options) & LKM_WCLONE);
}

// Whether p has something to report; fills wo and, for a reaped zombie, releases it.
bool wait_consider_task(wait_opts& wo, task_struct* p)
{
    bool nowait = wo.options & LKM_WNOWAIT;
    if (p->exit_state == EXIT_ZOMBIE) {
        if (!(wo.options & LKM_WEXITED))
            return false;
        int status = p->exit_code;
        wo.found_pid = p->pid;
        wo.status = status;
        wo.si_uid = p->uid;
        if (status & 0x7f) {
            wo.si_code = (status & 0x80) ? LKM_CLD_DUMPED : LKM_CLD_KILLED;
            wo.si_status = status & 0x7f;
        } else {
            wo.si_code = LKM_CLD_EXITED;
            wo.si_status = (status >> 8) & 0xff;
        }
        if (!nowait) {
            p->exit_state = EXIT_DEAD;
            release_task(p);
        }
        return true;
    }
    if (p->exit_state)
        return false; // EXIT_DEAD: being released
    if ((wo.options & LKM_WSTOPPED) && p->jobctl_stop_unreported && p->jobctl_stop_signal) {
        wo.found_pid = p->pid;
        wo.status = LKM_W_STOPCODE(p->jobctl_stop_signal);
        wo.si_code = LKM_CLD_STOPPED;
        wo.si_status = p->jobctl_stop_signal;
        wo.si_uid = p->uid;
        if (!nowait)
            p->jobctl_stop_unreported = false;
        return true;
    }
    if ((wo.options & LKM_WCONTINUED) && p->jobctl_continued_unreported) {
        wo.found_pid = p->pid;
        wo.status = LKM_W_CONTINUED;
        wo.si_code = LKM_CLD_CONTINUED;
        wo.si_status = SIGCONT;
        wo.si_uid = p->uid;
        if (!nowait)
            p->jobctl_continued_unreported = false;
        return true;
    }
    return false;
}

// The pid found (> 0), 0 for WNOHANG with eligible children still running, -ECHILD when there
// are none, -ERESTARTSYS when a signal came first (EINTR, or a restart with SA_RESTART).
long do_wait(wait_opts& wo)
{
    task_struct* self = current();
    wait_queue_entry wait;
    init_wait_entry(&wait, 0);
    long result;
    for (;;) {
        prepare_to_wait(&self->wait_chldexit, &wait, TASK_INTERRUPTIBLE);
        bool any = false;
        bool found = false;
        {
            IrqSaveGuard irqs_off; // the children list (an exiting child changes it)
            list_head* pos = self->children.next;
            while (pos != &self->children) {
                task_struct* p = list_entry(pos, task_struct, sibling);
                pos = pos->next; // p may be released
                if (!eligible_child(wo, p))
                    continue;
                any = true;
                if (wait_consider_task(wo, p)) {
                    found = true;
                    break;
                }
            }
        }
        if (found) {
            result = wo.found_pid;
            break;
        }
        if (!any) {
            result = -LKM_ECHILD;
            break;
        }
        if (wo.options & LKM_WNOHANG) {
            result = 0;
            break;
        }
        if (signal_pending(self)) {
            result = -ERESTARTSYS;
            break;
        }
        schedule();
    }
    finish_wait(&self->wait_chldexit, &wait);
    return result;
}

long zero_rusage(u64 ru)
{
    static const u8 zeroes[RUSAGE_SIZE] = {};
    return ru && copy_to_user(ru, zeroes, sizeof(zeroes)) ? -LKM_EFAULT : 0;
}

} // namespace

void __wake_up_parent(task_struct* p, task_struct* parent)
{
    (void)p;
    if (!is_idle_task(parent)) // the idle task's children (init, kthreads) report to no one
        __wake_up(&parent->wait_chldexit, TASK_INTERRUPTIBLE, 1);
}

long sys_wait4(int upid, u64 stat_addr, int options, u64 ru)
{
    constexpr int ALLOWED = LKM_WNOHANG | LKM_WUNTRACED | LKM_WCONTINUED | LKM_WNOTHREAD | LKM_WCLONE | LKM_WALL;
    if (options & ~ALLOWED)
        return -LKM_EINVAL;
    if (upid == -2147483647 - 1) // -INT_MIN would overflow (Linux's check)
        return -LKM_ESRCH;
    wait_opts wo {};
    if (upid == -1) {
        wo.type = pid_type::all;
    } else if (upid < 0) {
        wo.type = pid_type::pgid;
        wo.pid = -upid;
    } else if (upid == 0) {
        wo.type = pid_type::pgid;
        wo.pid = current()->pgrp;
    } else {
        wo.type = pid_type::pid;
        wo.pid = upid;
    }
    wo.options = options | LKM_WEXITED;
    long pid = do_wait(wo);
    if (pid > 0) {
        if (stat_addr && copy_to_user(stat_addr, &wo.status, sizeof(wo.status)))
            return -LKM_EFAULT;
        if (zero_rusage(ru))
            return -LKM_EFAULT;
    }
    return pid;
}

long sys_waitid(int which, int upid, u64 infop, int options, u64 ru)
{
    constexpr int ALLOWED = LKM_WNOHANG | LKM_WNOWAIT | LKM_WEXITED | LKM_WSTOPPED | LKM_WCONTINUED | LKM_WNOTHREAD |
                            LKM_WCLONE | LKM_WALL;
    if (options & ~ALLOWED)
        return -LKM_EINVAL;
    if (!(options & (LKM_WEXITED | LKM_WSTOPPED | LKM_WCONTINUED)))
        return -LKM_EINVAL;
    wait_opts wo {};
    switch (which) {
    case LKM_P_ALL:
        wo.type = pid_type::all;
        break;
    case LKM_P_PID:
        if (upid <= 0)
            return -LKM_EINVAL;
        wo.type = pid_type::pid;
        wo.pid = upid;
        break;
    case LKM_P_PGID:
        if (upid < 0)
            return -LKM_EINVAL;
        wo.type = pid_type::pgid;
        wo.pid = upid ? upid : current()->pgrp;
        break;
    default: // P_PIDFD: no pidfds in lkmemu
        return -LKM_EINVAL;
    }
    wo.options = options;
    long pid = do_wait(wo);
    if (pid < 0)
        return pid;
    if (zero_rusage(ru))
        return -LKM_EFAULT;
    if (infop) {
        // Nothing to report (WNOHANG) still writes a siginfo, all zero but for nothing found.
        lkm_siginfo info {};
        if (pid > 0) {
            info.si_signo = SIGCHLD;
            info.si_code = wo.si_code;
            info.si_pid = wo.found_pid;
            info.si_uid = wo.si_uid;
            info.si_status = wo.si_status;
        }
        if (copy_to_user(infop, &info, sizeof(info)))
            return -LKM_EFAULT;
    }
    return 0;
}
