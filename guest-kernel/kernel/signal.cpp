// Signals, the generic half (Linux's kernel/signal.c): sending (ignore, coalesce, queue), the
// pending test, dequeueing in Linux's order, the default actions, and the fault signals the
// trap handlers force. The x86-64 frames and rt_sigreturn are arch/x86_64/kernel/signal.cpp;
// the system calls kernel/signal_syscalls.cpp.
//
// One thread per process for now (no clone yet): a task's pending set stands for both Linux's
// per-thread and per-process (shared_pending) sets.
#include <lkmemu/errno.h>
#include <kernel/jobctl.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/time.h>

namespace {

constexpr u64 mask_of(int sig) { return 1ull << (sig - 1); }

// Linux's default-action classes (the table in include/linux/signal.h).
constexpr u64 SIG_KERNEL_IGNORE_MASK = mask_of(LKM_SIGCONT) | mask_of(LKM_SIGCHLD) | mask_of(LKM_SIGWINCH) |
                                       mask_of(LKM_SIGURG);
constexpr u64 SIG_KERNEL_STOP_MASK = mask_of(LKM_SIGSTOP) | mask_of(LKM_SIGTSTP) | mask_of(LKM_SIGTTIN) |
                                     mask_of(LKM_SIGTTOU);
// Delivered before any other pending signal: the faults of the instruction just run.
constexpr u64 SYNCHRONOUS_MASK = mask_of(LKM_SIGSEGV) | mask_of(LKM_SIGBUS) | mask_of(LKM_SIGILL) |
                                 mask_of(LKM_SIGTRAP) | mask_of(LKM_SIGFPE) | mask_of(LKM_SIGSYS);

bool in_mask(u64 mask, int sig) { return sig < SIGRTMIN && (mask & mask_of(sig)); }
bool sig_kernel_ignore(int sig) { return in_mask(SIG_KERNEL_IGNORE_MASK, sig); }
bool sig_kernel_stop(int sig) { return in_mask(SIG_KERNEL_STOP_MASK, sig); }

const lkm_sigaction g_default_action {};

const lkm_sigaction& sig_action(const task_struct* t, int sig)
{
    return t->sighand ? t->sighand->action[sig - 1] : g_default_action;
}

bool signal_unkillable(const task_struct* t) { return t->pid == 1 && !(t->signal_flags & SIGNAL_UNKILLABLE_CLEARED); }

bool sig_handler_ignored(u64 handler, int sig)
{
    return handler == LKM_SIG_IGN || (handler == LKM_SIG_DFL && sig_kernel_ignore(sig));
}

bool sig_task_ignored(const task_struct* t, int sig, bool force)
{
    u64 handler = sig_action(t, sig).sa_handler;
    // init takes from others only the signals it has handlers for (SIGNAL_UNKILLABLE).
    if (signal_unkillable(t) && handler == LKM_SIG_DFL && !(force && sig_kernel_only(sig)))
        return true;
    if ((t->flags & PF_KTHREAD) && handler == LKM_SIG_DFL && !force)
        return true;
    return sig_handler_ignored(handler, sig);
}

// A blocked signal is never dropped: its action may change before it is unblocked.
bool sig_ignored(const task_struct* t, int sig, bool force)
{
    if (sigismember(&t->blocked, sig))
        return false;
    return sig_task_ignored(t, sig, force);
}

// Remove sig's instances (set bit and queued siginfo) from a pending set.
void flush_sigqueue_mask(sigpending* pending, u64 mask)
{
    if (!(pending->signal.sig & mask))
        return;
    pending->signal.sig &= ~mask;
    sigqueue** link = &pending->head;
    pending->tail = nullptr;
    while (sigqueue* q = *link) {
        if (mask & mask_of(q->info.si_signo)) {
            *link = q->next;
            pending->count--;
            kfree(q);
            continue;
        }
        pending->tail = q;
        link = &q->next;
    }
}

// Stop and continue signals cancel each other while pending (Linux's prepare_signal).
bool prepare_signal(int sig, task_struct* t, bool force)
{
    if (sig_kernel_stop(sig)) {
        flush_sigqueue_mask(&t->pending, mask_of(LKM_SIGCONT));
    } else if (sig == SIGCONT) {
        flush_sigqueue_mask(&t->pending, SIG_KERNEL_STOP_MASK);
        signal_wake_continued(t); // caught, ignored or blocked: a SIGCONT always continues
    }
    return !sig_ignored(t, sig, force);
}

// Linux's RLIMIT_SIGPENDING default (fork_init): half of max_threads, which is what fits when
// task stacks may use an eighth of RAM. (Per task here; Linux counts per user.) The abi
// package's rlimits replace this with the task's RLIMIT_SIGPENDING.
u64 sigpending_limit()
{
    u64 max_threads = max<u64>(kernel_meminfo.total_pages / (8 * THREAD_SIZE / 4096), 20);
    return max_threads / 2;
}

int send_signal(int sig, const lkm_siginfo* info, task_struct* t, bool force)
{
    if (!prepare_signal(sig, t, force))
        return 0;
    sigpending* pending = &t->pending;
    // A standard signal already pending coalesces with it.
    if (sig < SIGRTMIN && sigismember(&pending->signal, sig))
        return 0;
    if (sig != SIGKILL) {
        // Standard signals from the kernel or kill() may go past the limit; real-time ones not.
        bool override_rlimit = sig < SIGRTMIN && info->si_code >= 0;
        sigqueue* q = nullptr;
        if (override_rlimit || pending->count < sigpending_limit())
            q = static_cast<sigqueue*>(kmalloc(sizeof(sigqueue)));
        if (q) {
            q->info = *info;
            q->next = nullptr;
            if (pending->tail)
                pending->tail->next = q;
            else
                pending->head = q;
            pending->tail = q;
            pending->count++;
        } else if (sig >= SIGRTMIN && info->si_code != LKM_SI_USER) {
            return -LKM_EAGAIN; // sigqueue's caller learns it; kill()'s signal goes without info
        }
    }
    sigaddset(&pending->signal, sig);
    // Wake the target if it sleeps interruptibly and now has something to deliver; a stopped
    // task only for SIGKILL.
    if (t != current() && signal_pending(t))
        try_to_wake_up(t, sig == SIGKILL ? TASK_INTERRUPTIBLE | TASK_STOPPED : TASK_INTERRUPTIBLE);
    return 0;
}

// The lowest pending unblocked signal, faults first (Linux's next_signal).
int next_signal(const sigpending* pending, const sigset_t* blocked)
{
    u64 x = pending->signal.sig & ~blocked->sig;
    if (!x)
        return 0;
    if (x & SYNCHRONOUS_MASK)
        x &= SYNCHRONOUS_MASK;
    return __builtin_ctzll(x) + 1;
}

// Take sig off the pending set with its first queued siginfo (Linux's collect_signal).
void collect_signal(int sig, sigpending* pending, lkm_siginfo* info)
{
    sigqueue* first = nullptr;
    sigqueue* prev_of_first = nullptr;
    bool another = false;
    sigqueue* prev = nullptr;
    for (sigqueue* q = pending->head; q; prev = q, q = q->next) {
        if (q->info.si_signo != sig)
            continue;
        if (first) {
            another = true;
            break;
        }
        first = q;
        prev_of_first = prev;
    }
    if (!another)
        sigdelset(&pending->signal, sig);
    if (!first) {
        // Sent without room for its siginfo: what is known is the number.
        memset(info, 0, sizeof(*info));
        info->si_signo = sig;
        info->si_code = LKM_SI_USER;
        return;
    }
    if (prev_of_first)
        prev_of_first->next = first->next;
    else
        pending->head = first->next;
    if (pending->tail == first)
        pending->tail = prev_of_first;
    pending->count--;
    *info = first->info;
    kfree(first);
}

int dequeue_signal(task_struct* t, lkm_siginfo* info)
{
    int sig = next_signal(&t->pending, &t->blocked);
    if (sig)
        collect_signal(sig, &t->pending, info);
    return sig;
}

lkm::ErrorOr<sighand_struct*> writable_sighand(task_struct* t)
{
    if (!t->sighand) {
        auto* sighand = static_cast<sighand_struct*>(kmalloc(sizeof(sighand_struct)));
        if (!sighand)
            return lkm::Error::from_errno(LKM_ENOMEM, "no memory for a signal handler table");
        sighand->count = 1;
        t->sighand = sighand;
    }
    return t->sighand;
}

// A fault signal the task cannot escape: unblock it and undo SIG_IGN; with the default action,
// even init dies of it (Linux's force_sig_info_to_task).
int force_sig_info(const lkm_siginfo* info)
{
    task_struct* t = current();
    int sig = info->si_signo;
    bool blocked = sigismember(&t->blocked, sig);
    if (blocked || sig_action(t, sig).sa_handler == LKM_SIG_IGN) {
        if (t->sighand)
            t->sighand->action[sig - 1].sa_handler = LKM_SIG_DFL;
        if (blocked)
            sigdelset(&t->blocked, sig);
    }
    if (sig_action(t, sig).sa_handler == LKM_SIG_DFL)
        t->signal_flags |= SIGNAL_UNKILLABLE_CLEARED;
    return send_signal(sig, info, t, false);
}

} // namespace

bool signal_pending(const task_struct* task) { return task->pending.signal.sig & ~task->blocked.sig; }

int send_sig_info(int sig, const lkm_siginfo* info, task_struct* task)
{
    if (!valid_signal(sig))
        return -LKM_EINVAL;
    // From the kernel (SI_KERNEL), the signal goes through init's protection for SIGKILL/SIGSTOP.
    return send_signal(sig, info, task, info->si_code == LKM_SI_KERNEL);
}

int force_sig_fault(int sig, int code, u64 addr)
{
    lkm_siginfo info {};
    info.si_signo = sig;
    info.si_code = code;
    info.si_addr = addr;
    return force_sig_info(&info);
}

int force_sig(int sig)
{
    lkm_siginfo info {};
    info.si_signo = sig;
    info.si_code = LKM_SI_KERNEL;
    return force_sig_info(&info);
}

bool unhandled_signal(const task_struct* task, int sig)
{
    u64 handler = sig_action(task, sig).sa_handler;
    return handler == LKM_SIG_IGN || handler == LKM_SIG_DFL;
}

bool signal_msg_ratelimit()
{
    // 10 messages, then none until 5 s of guest time have passed since the window opened.
    constexpr u64 INTERVAL = 5 * HZ, BURST = 10;
    static u64 window_start, printed, missed;
    if (!window_start || jiffies - window_start >= INTERVAL) {
        if (missed)
            pr_warn("signal: %lu callbacks suppressed\n", missed);
        window_start = jiffies ? jiffies : 1;
        printed = missed = 0;
    }
    if (printed < BURST) {
        printed++;
        return true;
    }
    missed++;
    return false;
}

void do_notify_parent(task_struct* task, int sig, int status)
{
    constexpr int CLD_EXITED = 1, CLD_KILLED = 2;
    task_struct* parent = task->real_parent;
    if (!parent || !sig)
        return;
    lkm_siginfo info {};
    info.si_signo = sig;
    info.si_pid = task->tgid;
    info.si_uid = task->uid;
    if (status & 0x7f) {
        info.si_code = CLD_KILLED;
        info.si_status = status & 0x7f;
    } else {
        info.si_code = CLD_EXITED;
        info.si_status = (status >> 8) & 0xff;
    }
    send_signal(sig, &info, parent, false);
}

bool get_signal(ksignal* ksig)
{
    task_struct* t = current();
    for (;;) {
        int sig = dequeue_signal(t, &ksig->info);
        if (!sig)
            return false;
        const lkm_sigaction& ka = sig_action(t, sig);
        if (ka.sa_handler == LKM_SIG_IGN)
            continue;
        if (ka.sa_handler != LKM_SIG_DFL) {
            ksig->ka = ka;
            ksig->sig = sig;
            if (ka.sa_flags & LKM_SA_RESETHAND)
                t->sighand->action[sig - 1].sa_handler = LKM_SIG_DFL;
            return true;
        }
        // The default action.
        if (sig_kernel_ignore(sig))
            continue;
        if (signal_unkillable(t) && !sig_kernel_only(sig))
            continue; // init: only SIGKILL/SIGSTOP the kernel itself sent get here
        if (sig_kernel_stop(sig)) {
            // Linux drops SIGTSTP/SIGTTIN/SIGTTOU for an orphaned group: nobody could continue it.
            if (sig == SIGSTOP || !is_pgrp_orphaned(t->pgrp))
                do_signal_stop(sig); // kernel/signal_stop.cpp; back here once continued
            continue;
        }
        // Terminate, or "core" (no core file is written, so the status has no 0x80).
        do_exit(sig);
    }
}

void set_current_blocked(sigset_t set)
{
    set.sig &= ~SIG_KERNEL_ONLY_MASK;
    current()->blocked = set;
}

sigset_t sigmask_to_save()
{
    task_struct* t = current();
    return t->restore_sigmask ? t->saved_sigmask : t->blocked;
}

void restore_saved_sigmask()
{
    task_struct* t = current();
    if (t->restore_sigmask) {
        t->restore_sigmask = false;
        set_current_blocked(t->saved_sigmask);
    }
}

void signal_setup_done(bool failed, const ksignal* ksig)
{
    task_struct* t = current();
    if (failed) {
        // The frame could not be written: the task dies of SIGSEGV (Linux's force_sigsegv).
        if (ksig->sig == SIGSEGV && t->sighand)
            t->sighand->action[SIGSEGV - 1].sa_handler = LKM_SIG_DFL;
        force_sig(SIGSEGV);
        return;
    }
    t->restore_sigmask = false; // the frame holds the mask to put back
    sigset_t blocked { t->blocked.sig | ksig->ka.sa_mask };
    if (!(ksig->ka.sa_flags & LKM_SA_NODEFER))
        sigaddset(&blocked, ksig->sig);
    set_current_blocked(blocked);
}

bool on_sig_stack(u64 sp)
{
    const task_struct* t = current();
    // With SS_AUTODISARM the stack is disarmed while a handler is on it.
    if (t->sas_ss_flags & LKM_SS_AUTODISARM)
        return false;
    return sp > t->sas_ss_sp && sp - t->sas_ss_sp <= t->sas_ss_size;
}

int sas_ss_flags(u64 sp)
{
    if (!current()->sas_ss_size)
        return LKM_SS_DISABLE;
    return on_sig_stack(sp) ? LKM_SS_ONSTACK : 0;
}

long do_sigaltstack(const lkm_stack* ss, lkm_stack* oss, u64 sp)
{
    task_struct* t = current();
    if (oss) {
        memset(oss, 0, sizeof(*oss));
        oss->ss_sp = t->sas_ss_sp;
        oss->ss_size = t->sas_ss_size;
        oss->ss_flags = static_cast<s32>(sas_ss_flags(sp) | (t->sas_ss_flags & LKM_SS_AUTODISARM));
    }
    if (!ss)
        return 0;
    if (on_sig_stack(sp))
        return -LKM_EPERM; // not while running on it
    u32 flags = static_cast<u32>(ss->ss_flags);
    u32 mode = flags & ~LKM_SS_AUTODISARM;
    if (mode != LKM_SS_DISABLE && mode != LKM_SS_ONSTACK && mode != 0)
        return -LKM_EINVAL;
    u64 ss_sp = ss->ss_sp, ss_size = ss->ss_size;
    if (mode == LKM_SS_DISABLE) {
        ss_sp = 0;
        ss_size = 0;
    } else if (ss_size < LKM_MINSIGSTKSZ) {
        return -LKM_ENOMEM;
    }
    t->sas_ss_sp = ss_sp;
    t->sas_ss_size = ss_size;
    t->sas_ss_flags = flags;
    return 0;
}

lkm::ErrorOr<void> do_sigaction(int sig, const lkm_sigaction* act, lkm_sigaction* oact)
{
    constexpr u64 UAPI_SA_FLAGS = LKM_SA_NOCLDSTOP | LKM_SA_NOCLDWAIT | LKM_SA_SIGINFO | LKM_SA_ONSTACK |
                                  LKM_SA_RESTART | LKM_SA_NODEFER | LKM_SA_RESETHAND | LKM_SA_EXPOSE_TAGBITS |
                                  LKM_SA_RESTORER;
    task_struct* t = current();
    if (!valid_signal(sig) || sig < 1 || (act && sig_kernel_only(sig)))
        return lkm::Error::from_errno(LKM_EINVAL, "rt_sigaction: bad signal");
    if (oact)
        *oact = sig_action(t, sig);
    if (!act)
        return {};
    sighand_struct* sighand = TRY(writable_sighand(t));
    lkm_sigaction& k = sighand->action[sig - 1];
    k = *act;
    k.sa_flags &= UAPI_SA_FLAGS; // unknown bits read back as clear: how user space probes them
    k.sa_mask &= ~SIG_KERNEL_ONLY_MASK;
    // Setting SIG_IGN (or SIG_DFL of an ignored-by-default signal) discards it if pending.
    if (sig_handler_ignored(k.sa_handler, sig))
        flush_sigqueue_mask(&t->pending, mask_of(sig));
    return {};
}

int copy_sighand(task_struct* child, const task_struct* parent, bool share)
{
    if (!parent->sighand)
        return 0;
    if (share) {
        parent->sighand->count++;
        child->sighand = parent->sighand;
        return 0;
    }
    auto* sighand = static_cast<sighand_struct*>(kmalloc(sizeof(sighand_struct)));
    if (!sighand)
        return -LKM_ENOMEM;
    memcpy(sighand->action, parent->sighand->action, sizeof(sighand->action));
    sighand->count = 1;
    child->sighand = sighand;
    return 0;
}

void exit_signals(task_struct* task)
{
    flush_sigqueue_mask(&task->pending, ~0ull);
    if (task->sighand && --task->sighand->count == 0)
        kfree(task->sighand);
    task->sighand = nullptr;
}
