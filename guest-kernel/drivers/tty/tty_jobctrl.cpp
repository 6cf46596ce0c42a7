// Job control on the terminal (Linux's drivers/tty/tty_jobctrl.c): the controlling terminal of
// a session, its foreground process group, and the check that stops a background process that
// reads (SIGTTIN) or, with TOSTOP, writes or changes the terminal (SIGTTOU).
#include "drivers/tty/tty.h"
#include "drivers/tty/tty_ioctl.h"

#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/fs.h>
#include <kernel/jobctl.h>
#include <kernel/sched.h>
#include <kernel/signal.h>

namespace {

bool is_ignored(int sig)
{
    const task_struct* t = current();
    return sigismember(&t->blocked, sig) || (t->sighand && t->sighand->action[sig - 1].sa_handler == LKM_SIG_IGN);
}

bool is_session_leader(const task_struct* t) { return t->pid == t->session; }

// The session a process group belongs to, 0 if the group is empty.
int session_of_pgrp(int pgrp)
{
    struct Search {
        int pgrp, session;
    } search { pgrp, 0 };
    for_each_process(
        [](task_struct* t, void* arg) {
            auto* s = static_cast<Search*>(arg);
            if (t->pgrp != s->pgrp)
                return true;
            s->session = t->session;
            return false;
        },
        &search);
    return search.session;
}

// Every process of tty's session loses it as its controlling terminal.
void clear_session_tty(tty_struct* tty)
{
    for_each_process(
        [](task_struct* t, void* arg) {
            if (t->tty == arg)
                t->tty = nullptr;
            return true;
        },
        tty);
    tty->session = tty->pgrp = 0;
}

// TIOCSCTTY (Linux's tiocsctty): a session leader without a terminal takes this one. arg 1
// lets root take it from another session ("steal").
long tiocsctty(file* f, tty_struct* tty, u64 arg)
{
    task_struct* self = current();
    if (is_session_leader(self) && tty->session == self->session)
        return 0; // already ours
    if (!is_session_leader(self) || self->tty)
        return -LKM_EPERM;
    if (tty->session) {
        if (arg != 1 || self->euid != 0)
            return -LKM_EPERM;
        clear_session_tty(tty);
    }
    if ((f->f_flags & O_ACCMODE) == O_WRONLY && self->euid != 0)
        return -LKM_EPERM; // Linux wants it open for reading, unless CAP_SYS_ADMIN
    tty_set_controlling(tty, self);
    return 0;
}

// TIOCNOTTY (Linux's tiocnotty / disassociate_ctty): give the terminal up. A session leader
// takes the whole session off it, and its foreground group gets SIGHUP and SIGCONT.
long tiocnotty(tty_struct* tty)
{
    task_struct* self = current();
    if (self->tty != tty)
        return -LKM_ENOTTY;
    if (!is_session_leader(self)) {
        self->tty = nullptr;
        return 0;
    }
    int pgrp = tty->pgrp;
    clear_session_tty(tty);
    if (pgrp) {
        lkm_siginfo info {};
        info.si_code = LKM_SI_KERNEL;
        info.si_signo = SIGHUP;
        kill_pgrp_info(SIGHUP, &info, pgrp);
        info.si_signo = SIGCONT;
        kill_pgrp_info(SIGCONT, &info, pgrp);
    }
    return 0;
}

long tiocspgrp(tty_struct* tty, u64 arg)
{
    long error = tty_check_change(tty, SIGTTOU);
    if (error == -LKM_EIO)
        return -LKM_ENOTTY;
    if (error)
        return error;
    const task_struct* self = current();
    if (self->tty != tty || tty->session != self->session)
        return -LKM_ENOTTY;
    int pgrp;
    if (copy_from_user(&pgrp, arg, sizeof(pgrp)))
        return -LKM_EFAULT;
    if (pgrp < 0)
        return -LKM_EINVAL;
    int session = session_of_pgrp(pgrp);
    if (!session)
        return -LKM_ESRCH;
    if (session != self->session)
        return -LKM_EPERM;
    tty->pgrp = pgrp;
    return 0;
}

long put_int(u64 arg, int value) { return copy_to_user(arg, &value, sizeof(value)) ? -LKM_EFAULT : 0; }

} // namespace

void tty_set_controlling(tty_struct* tty, task_struct* task)
{
    tty->session = task->session;
    tty->pgrp = task->pgrp;
    task->tty = tty;
}

long tty_check_change(tty_struct* tty, int sig)
{
    task_struct* self = current();
    if (self->tty != tty)
        return 0; // not our controlling terminal: no job control applies
    if (!tty->pgrp || self->pgrp == tty->pgrp)
        return 0; // in the foreground
    if (is_ignored(sig))
        return sig == SIGTTIN ? -LKM_EIO : 0;
    if (is_pgrp_orphaned(self->pgrp))
        return -LKM_EIO; // nobody could continue it
    lkm_siginfo info {};
    info.si_signo = sig;
    info.si_code = LKM_SI_KERNEL;
    kill_pgrp_info(sig, &info, self->pgrp);
    return -ERESTARTSYS; // the stop comes on the way out; after SIGCONT the call is made again
}

long tty_jobctrl_ioctl(file* f, tty_struct* tty, unsigned cmd, u64 arg)
{
    const task_struct* self = current();
    switch (cmd) {
    case LKM_TIOCSCTTY:
        return tiocsctty(f, tty, arg);
    case LKM_TIOCNOTTY:
        return tiocnotty(tty);
    case LKM_TIOCGPGRP:
        if (self->tty != tty)
            return -LKM_ENOTTY;
        return put_int(arg, tty->pgrp);
    case LKM_TIOCSPGRP:
        return tiocspgrp(tty, arg);
    case LKM_TIOCGSID:
        if (self->tty != tty || !tty->session)
            return -LKM_ENOTTY;
        return put_int(arg, tty->session);
    default:
        return -ENOIOCTLCMD;
    }
}
