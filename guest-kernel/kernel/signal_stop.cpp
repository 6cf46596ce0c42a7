// The job-control stop and continue (Linux's kernel/signal.c: do_signal_stop, the SIGCONT half
// of prepare_signal, do_notify_parent_cldstop). A task whose stop signal (SIGSTOP, SIGTSTP,
// SIGTTIN, SIGTTOU) takes its default action sleeps in TASK_STOPPED, which no ordinary wake-up
// ends; SIGCONT (caught, ignored or blocked alike) makes it run again, and SIGKILL wakes it to
// die. Each change is left in task_struct for the parent's wait4(WUNTRACED) / waitid(WCONTINUED)
// (jobctl_stop_unreported, jobctl_continued_unreported) and told with SIGCHLD, unless the
// parent's SIGCHLD action says SA_NOCLDSTOP, and a wake-up of the parent's wait.
//
// One thread per process: Linux's group stop (every thread of the group takes part) is the task.
#include <lkmemu/errno.h>
#include <asm/processor.h>
#include <kernel/jobctl.h>
#include <kernel/sched.h>
#include <kernel/signal.h>

namespace {

bool still_stopped(const task_struct* t)
{
    return t->jobctl_stop_signal && !sigismember(&t->pending.signal, SIGKILL);
}

} // namespace

void do_notify_parent_cldstop(task_struct* task, int why)
{
    task_struct* parent = task->real_parent;
    if (!parent)
        return;
    const sighand_struct* sighand = parent->sighand;
    bool nocldstop = sighand && (sighand->action[SIGCHLD - 1].sa_flags & LKM_SA_NOCLDSTOP);
    if (!nocldstop) {
        lkm_siginfo info {};
        info.si_signo = SIGCHLD;
        info.si_code = why;
        info.si_pid = task->tgid;
        info.si_uid = task->uid;
        info.si_status = why == CLD_CONTINUED ? SIGCONT : task->jobctl_stop_signal;
        send_sig_info(SIGCHLD, &info, parent);
    }
    __wake_up_parent(task, parent);
}

void do_signal_stop(int sig)
{
    task_struct* t = current();
    {
        IrqSaveGuard irqs_off; // a SIGCONT from an interrupt (none yet) must see a whole stop
        t->jobctl_stop_signal = sig;
        t->jobctl_stop_unreported = true;
        t->jobctl_continued_unreported = false;
        set_current_state(TASK_STOPPED);
    }
    do_notify_parent_cldstop(t, CLD_STOPPED);
    for (;;) {
        set_current_state(TASK_STOPPED);
        if (!still_stopped(t))
            break;
        schedule();
    }
    __set_current_state(TASK_RUNNING);
    t->jobctl_stop_signal = 0;
}

void signal_wake_continued(task_struct* t)
{
    bool was_stopped;
    {
        IrqSaveGuard irqs_off;
        was_stopped = t->jobctl_stop_signal != 0;
        if (!was_stopped)
            return;
        t->jobctl_stop_signal = 0;
        t->jobctl_stop_unreported = false;
        t->jobctl_continued_unreported = true;
        try_to_wake_up(t, TASK_STOPPED);
    }
    do_notify_parent_cldstop(t, CLD_CONTINUED);
}
