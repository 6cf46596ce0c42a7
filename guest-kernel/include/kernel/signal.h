// Signals (Linux's kernel/signal.c, with x86-64's frames in arch/x86_64/kernel/signal.cpp):
// sending and queueing, the pending/blocked test the return to user space makes, the choice of
// what to deliver, and the default actions. The user ABI (numbers, sigaction, siginfo, frames) is
// abi/lkmemu/signal.h.
#pragma once

#include <lkmemu/signal.h>
#include <lkmemu/wait.h>
#include <asm/ptrace.h>
#include <kernel/signal_types.h>
#include <loader/error_or.h>

struct task_struct;

constexpr int SIGHUP = LKM_SIGHUP, SIGINT = LKM_SIGINT, SIGQUIT = LKM_SIGQUIT, SIGILL = LKM_SIGILL,
              SIGTRAP = LKM_SIGTRAP, SIGABRT = LKM_SIGABRT, SIGBUS = LKM_SIGBUS, SIGFPE = LKM_SIGFPE,
              SIGKILL = LKM_SIGKILL, SIGUSR1 = LKM_SIGUSR1, SIGSEGV = LKM_SIGSEGV, SIGUSR2 = LKM_SIGUSR2,
              SIGPIPE = LKM_SIGPIPE, SIGALRM = LKM_SIGALRM, SIGTERM = LKM_SIGTERM, SIGCHLD = LKM_SIGCHLD,
              SIGCONT = LKM_SIGCONT, SIGSTOP = LKM_SIGSTOP, SIGTSTP = LKM_SIGTSTP, SIGTTIN = LKM_SIGTTIN,
              SIGTTOU = LKM_SIGTTOU, SIGURG = LKM_SIGURG, SIGWINCH = LKM_SIGWINCH, SIGSYS = LKM_SIGSYS,
              SIGRTMIN = LKM_SIGRTMIN, _NSIG = LKM_NSIG;

// Kernel-internal system call results (Linux's include/linux/errno.h): never seen by user space.
// The signal code turns them into EINTR or a restarted call on the way out.
constexpr long ERESTARTSYS = 512;           // restart if the handler has SA_RESTART, else EINTR
constexpr long ERESTARTNOINTR = 513;        // always restart
constexpr long ERESTARTNOHAND = 514;        // restart only if no handler runs
constexpr long ERESTART_RESTARTBLOCK = 516; // restart through restart_syscall (no handler runs)

// task_struct::signal_flags. Linux marks init SIGNAL_UNKILLABLE at creation and clears the flag
// when a fault signal must kill it; here init (pid 1) is unkillable unless this bit says cleared.
constexpr u32 SIGNAL_UNKILLABLE_CLEARED = 1;

inline sigset_t sigmask(int sig) { return { 1ull << (sig - 1) }; }
inline bool sigismember(const sigset_t* set, int sig) { return set->sig >> (sig - 1) & 1; }
inline void sigaddset(sigset_t* set, int sig) { set->sig |= 1ull << (sig - 1); }
inline void sigdelset(sigset_t* set, int sig) { set->sig &= ~(1ull << (sig - 1)); }
inline bool valid_signal(long sig) { return sig >= 0 && sig <= _NSIG; }
// SIGKILL and SIGSTOP cannot be caught, blocked or ignored.
inline bool sig_kernel_only(int sig) { return sig == SIGKILL || sig == SIGSTOP; }
constexpr u64 SIG_KERNEL_ONLY_MASK = (1ull << (LKM_SIGKILL - 1)) | (1ull << (LKM_SIGSTOP - 1));

// Whether task has an unblocked signal waiting (the return to user space then delivers it).
bool signal_pending(const task_struct* task);
// On the way back to ring 3 (exit_to_user_mode_prepare): deliver the current task's pending
// signals: a handler frame (arch/x86_64/kernel/signal.cpp), or the default action; and the
// system call restart the -ERESTART* results ask for.
void arch_do_signal_or_restart(pt_regs* regs);

// Sending. Each returns 0 or a negative errno (Linux's send_sig_info family).
// A signal from the kernel with this siginfo (queued, or coalesced for a standard signal).
int send_sig_info(int sig, const lkm_siginfo* info, task_struct* task);
// kill(2)'s send to one process: its permission rule (the kernel's own signals, si_code > 0,
// pass), then send_sig_info; sig 0 only checks (kernel/signal_syscalls.cpp).
int group_send_sig_info(int sig, const lkm_siginfo* info, task_struct* task);
// A synchronous fault signal for the current task (Linux's force_sig_fault): a blocked or
// ignored one is unblocked and reset to SIG_DFL first, so the task cannot ignore its own fault.
// addr is si_addr (CR2 for a page fault, the instruction for the others).
int force_sig_fault(int sig, int code, u64 addr);
// A signal the current task must take (SI_KERNEL), e.g. an unwritable signal frame.
int force_sig(int sig);
// Whether the task has a handler for sig (else a fault of it is logged, as Linux's
// show_signal_msg / show_signal do for unhandled_signal).
bool unhandled_signal(const task_struct* task, int sig);
// Rate limit for the fault messages (Linux's printk_ratelimit: 10 per 5 s of guest time), so a
// fault loop cannot flood the log.
bool signal_msg_ratelimit();
// SIGCHLD (or the signal the child asked for) to the parent of a dead or stopped task, with
// si_status = status. For fork's children (the sched package's real_parent).
void do_notify_parent(task_struct* task, int sig, int status);

// SIGCHLD's si_code for a child that stopped or continued (Linux's CLD_STOPPED/CLD_CONTINUED),
// and the parent told of it: SIGCHLD unless its action has SA_NOCLDSTOP, and a wake-up of its
// wait4 (kernel/signal_stop.cpp; why is CLD_STOPPED or CLD_CONTINUED).
constexpr int CLD_STOPPED = LKM_CLD_STOPPED, CLD_CONTINUED = LKM_CLD_CONTINUED;
void do_notify_parent_cldstop(task_struct* task, int why);

// --- what the delivery code (kernel/signal.cpp <-> arch/x86_64/kernel/signal.cpp) shares ---

struct ksignal {
    lkm_sigaction ka; // the action at dequeue time (SA_RESETHAND already applied to the table)
    lkm_siginfo info;
    int sig;
};
// The next signal with a handler to run, after taking the default actions of the ones before it
// (which may end the task). false: nothing left to deliver.
bool get_signal(ksignal* ksig);
// After a handler frame was built (or failed to be): block sa_mask and the signal, or kill the
// task with SIGSEGV when the frame could not be written (Linux's signal_setup_done).
void signal_setup_done(bool failed, const ksignal* ksig);
// The mask to save in the frame: the one rt_sigsuspend replaced, or the blocked set.
sigset_t sigmask_to_save();
// After delivery without a handler: put back a mask rt_sigsuspend replaced.
void restore_saved_sigmask();
// set_current_blocked: SIGKILL and SIGSTOP are never blocked.
void set_current_blocked(sigset_t set);
// The alternate signal stack: whether sp lies on it, and its ss_flags as the task sees them.
bool on_sig_stack(u64 sp);
int sas_ss_flags(u64 sp);
// rt_sigaction(2)'s work: the old action to oact, act (if any) installed.
lkm::ErrorOr<void> do_sigaction(int sig, const lkm_sigaction* act, lkm_sigaction* oact);
// sigaltstack(2)'s work, shared with rt_sigreturn's restore of uc_stack.
long do_sigaltstack(const lkm_stack* ss, lkm_stack* oss, u64 sp);

// Task life: share or copy the handler table for a new task (clone(CLONE_SIGHAND) shares), and
// drop a dead task's queue and table.
int copy_sighand(task_struct* child, const task_struct* parent, bool share);
void exit_signals(task_struct* task);
