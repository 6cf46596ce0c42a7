// Tasks and the scheduler (kernel/sched/, kernel/fork.cpp, kernel/exit.cpp): one CPU, a
// round-robin run queue, preemption of user space at the tick, and kernel code that gives the CPU
// up only where it calls schedule() or sleeps (Linux without CONFIG_PREEMPT). The boot context is
// the idle task (pid 0, "swapper/0"); init is pid 1.
#pragma once

#include <asm/fpu.h>
#include <asm/percpu.h>
#include <asm/ptrace.h>
#include <kernel/list.h>
#include <kernel/rbtree.h>
#include <kernel/signal_types.h>
#include <lkmemu/resource.h>
#include <kernel/types.h>
#include <kernel/mm_types.h>
#include <kernel/wait_types.h>
#include <loader/error_or.h>

struct file;
struct files_struct;
struct fs_struct;
struct vm_stack;
struct kthread;
struct group_info;
struct tty_struct;
struct completion;
struct module_call_record;
struct user_struct;

constexpr size_t THREAD_SIZE = 16384; // kernel stack per task (head_64.S's boot stack too)
constexpr size_t TASK_COMM_LEN = 16;

// task_struct::state (Linux's values). A task sleeps by setting its state and calling schedule();
// wake_up_process sets it back to TASK_RUNNING and queues it.
constexpr long TASK_RUNNING = 0x0000;
constexpr long TASK_INTERRUPTIBLE = 0x0001;   // a signal wakes it too
constexpr long TASK_UNINTERRUPTIBLE = 0x0002;
constexpr long TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;
constexpr long TASK_STOPPED = 0x0004;          // job control: SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU until SIGCONT
constexpr long TASK_DEAD = 0x0080;            // do_exit's last schedule(): never runs again
// task_struct::exit_state.
constexpr int EXIT_DEAD = 0x0010, EXIT_ZOMBIE = 0x0020;
// task_struct::flags.
constexpr unsigned PF_KTHREAD = 0x00200000; // a kernel thread: no user half, borrows an mm
constexpr unsigned PF_EXITING = 0x00000004; // dying: set by make_task_dead (kernel/traps.cpp) and do_exit

// The architecture's part of a task (Linux's struct thread_struct): what __switch_to saves and
// loads beyond the callee-saved registers on the kernel stack.
struct thread_struct {
    u64 sp;     // kernel stack pointer while switched out (switch_to.S's frame on top)
    u64 fsbase; // MSR_FS_BASE in user mode (arch_prctl(ARCH_SET_FS) writes it)
    u64 gsbase; // the user's GS base (arch_prctl(ARCH_SET_GS)): MSR_KERNEL_GS_BASE while in the kernel
    fpu fpu;    // the user's x87/SSE registers, saved and restored eagerly on every switch
};

struct task_struct {
    int pid;   // unique while the task exists (kernel/fork.cpp allocates them)
    int tgid;  // the thread group (the process): the pid of its leader
    volatile long state; // TASK_RUNNING, TASK_INTERRUPTIBLE ...
    int exit_state;      // EXIT_ZOMBIE once dead, until reaped
    int exit_code;
    unsigned flags;      // PF_*
    unsigned usage;      // references to the struct (get_task_struct); freed at 0
    char comm[TASK_COMM_LEN];
    u32 uid;  // real uid
    u32 euid; // effective uid: what permission checks use
    u32 suid; // saved uid
    u32 gid, egid, sgid;     // real, effective, saved gid (kernel/sys.cpp)
    group_info* groups;      // supplementary groups, shared after a fork (kernel/groups.cpp); nullptr: none
    lkm_rlimit64 rlim[LKM_RLIM_NLIMITS]; // resource limits (kernel/resource.cpp; Linux's signal->rlim)
    u64 clear_child_tid;     // set_tid_address(2): zeroed and futex-woken at exit (user address)
    u64 robust_list;         // set_robust_list(2): the head, a user address, and its length
    u64 robust_list_len;
    int pdeath_signal;       // prctl(PR_SET_PDEATHSIG)
    int dumpable;            // prctl(PR_SET_DUMPABLE): 1 (SUID_DUMP_USER) or 0
    mm_struct* mm;          // the address space (user half private, kernel half shared); nullptr for a kthread
    vm_stack* stack;        // THREAD_SIZE bytes in the stack area, a guard below (mm/vmap_stack.cpp)
    u64 kernel_stack_top;   // its end: the stack pointer a kernel entry from ring 3 starts at
    files_struct* files;    // descriptors (include/kernel/fdtable.h); nullptr: init_files
    fs_struct* fs;          // root, cwd, umask; nullptr: init_fs

    task_struct* real_parent;
    list_head children; // its children, linked through their sibling
    list_head sibling;
    rb_node pid_node;   // in the pid tree (find_task_by_pid)
    list_head run_list; // in the run queue while runnable and not running
    bool on_rq;
    unsigned time_slice; // ticks left before the tick asks for a reschedule
    kthread* kthread_data; // kthread_create's bookkeeping (kernel/kthread.cpp); kthreads only
    thread_struct thread;
    // Signals (kernel/signal.cpp): what is pending and blocked, the actions (nullptr: all
    // SIG_DFL until the first rt_sigaction), the alternate stack, and the last fault's trap
    // number, error code and CR2 (Linux's thread.trap_nr/error_code/cr2) for the sigcontext.
    sigpending pending;
    sigset_t blocked;
    sigset_t saved_sigmask; // rt_sigsuspend's: put back after the handler (TIF_RESTORE_SIGMASK)
    bool restore_sigmask;
    sighand_struct* sighand;
    u64 sas_ss_sp;
    u64 sas_ss_size;
    u32 sas_ss_flags; // SS_AUTODISARM
    u32 signal_flags; // SIGNAL_UNKILLABLE_CLEARED
    u64 trap_nr, error_code, cr2;
    // The module functions (init, exit, constructors) this task is running now, innermost first,
    // each on its own stack with the point an oops resumes at (kernel/module/module_call.cpp).
    // Never inherited: a new task starts with none.
    module_call_record* module_calls;
    // The KUnit test case this task runs (lib/kunit/, as Linux's current->kunit_test), or nullptr.
    struct kunit* kunit_test;
    // Process life (kernel/fork.cpp, kernel/exit.cpp): the signal the parent gets at our death
    // (SIGCHLD for fork; clone's low byte), and the vfork parent's completion.
    int exit_signal;
    completion* vfork_done;
    u64 set_child_tid;          // CLONE_CHILD_SETTID: the child writes its tid here first thing
    user_struct* user;          // whose RLIMIT_NPROC count the task is in (kernel/fork.cpp)
    wait_queue_head wait_chldexit; // the task sleeps here in wait4/waitid (__wake_up_parent)
    // Job control (kernel/jobctl.cpp, drivers/tty/): process group, session and controlling
    // terminal, inherited by fork; and a stop or continue that wait4(WUNTRACED / WCONTINUED)
    // has not reported yet (Linux's signal->group_exit_code / SIGNAL_STOP_CONTINUED).
    int pgrp;
    int session;
    tty_struct* tty;
    int jobctl_stop_signal;      // the signal that stopped the task (WSTOPSIG); 0 while running
    bool jobctl_stop_unreported; // stopped, not yet seen by wait4(WUNTRACED)
    bool jobctl_continued_unreported; // continued, not yet seen by waitid(WCONTINUED)
};

inline task_struct* current() { return cpu0_percpu.current; }

// The registers the task entered the kernel with from ring 3, at the top of its kernel stack
// (Linux's current_pt_regs / task_pt_regs). A kthread's is reserved too, for a later execve.
inline pt_regs* task_pt_regs(const task_struct* task)
{
    return reinterpret_cast<pt_regs*>(task->kernel_stack_top - sizeof(pt_regs));
}
inline pt_regs* current_pt_regs() { return task_pt_regs(current()); }

// --- the scheduler (kernel/sched/core.cpp) -------------------------------------------------------
// The boot context becomes the idle task; from here on current() is never null.
void sched_init();
// Give up the CPU: the next runnable task runs (the idle task when there is none). A task whose
// state is not TASK_RUNNING stays off the run queue until woken. Interrupts off or on; restored.
void schedule();
// A scheduling point in long kernel work (Linux's cond_resched): schedule() if the tick asked.
void cond_resched();
void yield(); // to the back of the run queue, now
bool need_resched();
void set_need_resched();
// From the timer interrupt: charge the tick to the running task; its slice used, ask for a
// reschedule (honoured on the way back to ring 3, or at the next cond_resched in the kernel).
void scheduler_tick();
// Make a sleeping task runnable (true if it was asleep). Safe from interrupts.
bool wake_up_process(task_struct* task);
// wake_up_process for a task sleeping in one of the states in `state`.
bool try_to_wake_up(task_struct* task, long state);
inline void set_current_state(long state) { current()->state = state; }
inline void __set_current_state(long state) { current()->state = state; }
// Make a new task runnable for the first time (kernel/fork.cpp's tasks start TASK_NEW-like).
void wake_up_new_task(task_struct* task);
// How many context switches the CPU made (for the self-test and for observers).
u64 nr_context_switches();
// The idle task's loop (kernel/sched/idle.cpp): halt until something is runnable. The boot
// context ends here (Linux's cpu_startup_entry).
[[noreturn]] void cpu_startup_entry();
bool is_idle_task(const task_struct* task);
task_struct* idle_task(); // pid 0: the parent of init and of the kernel threads

// Called by switch_to.S's ret_from_fork, first thing in a new task: finish the switch into it.
extern "C" void schedule_tail(task_struct* prev);

// --- tasks (kernel/fork.cpp) ----------------------------------------------------------------------
// A new task with its own kernel stack and pid, not yet runnable. Its first switch-in runs
// fn(arg) on that stack with interrupts on (ret_from_fork); fn must not return.
lkm::ErrorOr<task_struct*> create_task(const char* comm, void (*fn)(void*), void* arg, unsigned flags);
// The task with this pid, or nullptr. O(log tasks).
task_struct* find_task_by_pid(int pid);
// References that keep a task's struct (not the task) alive past its death: its own (dropped by
// finish_task_switch once the CPU is off its stack) and, say, kthread_stop's while it waits.
inline void get_task_struct(task_struct* task) { task->usage++; }
void put_task_struct(task_struct* task); // frees stack, pid and struct with the last reference
void free_task(task_struct* task);
unsigned nr_tasks(); // tasks that exist, the idle task included
// fork_init's max_threads: the most tasks that may exist; fork fails with EAGAIN beyond, root's
// too (/proc/sys/kernel/threads-max).
unsigned max_threads();
// The task's real uid changed (setuid and friends): its RLIMIT_NPROC count moves to the new
// uid's (Linux's set_user in commit_creds). ENOMEM leaves it where it was.
void set_user(task_struct* task);
// A dead task's end once its parent has its status (or nobody wants it: autoreap): off its
// parent's list, and its struct and stack freed with the last reference (kernel/exit.cpp).
void release_task(task_struct* p);

// The first user process: turns the current task (pid 1, a kernel thread so far) into init by
// executing the embedded init ELF, and enters it in ring 3.
[[noreturn]] void run_init_process();

// Wake parent's wait4/waitid for a change in its child p (an exit, a stop, a continue; Linux's
// __wake_up_parent). Defined with wait4 (kernel/wait.cpp, the proc package); the job-control
// stop (kernel/signal_stop.cpp) calls it too.
void __wake_up_parent(task_struct* p, task_struct* parent);

// The current task ends with a wait(2)-style status ((code & 0xff) << 8 for exit(code), or the
// signal number for a kill). For init this is a panic, as on Linux; a kernel thread's task is
// freed once the CPU has switched away from it.
[[noreturn]] void do_exit(long status);

// --- the architecture (arch/x86_64/kernel/process_64.cpp) ----------------------------------------
// Lays out a new task's kernel stack so that its first switch-in enters ret_from_fork.
void copy_thread(task_struct* task, void (*fn)(void*), void* arg);
// A forked user child's: after copy_thread, the parent's registers at the top of its stack with
// RAX 0 (fork returns 0 in it) and RSP sp when clone gave one, the parent's FS/GS bases and its
// live FPU registers.
void copy_thread_user(task_struct* task, const pt_regs* parent_regs, u64 sp);
// exec's: FS/GS bases 0 and the FPU as a new program finds it (Linux's flush_thread).
void flush_thread();
// Switches the CPU from prev to next: registers, stack, TSS.rsp0, the SYSCALL stack, CR3, FS
// base, FPU. Returns (in next's context, when prev is switched back in) the task switched from.
task_struct* switch_to(task_struct* prev, task_struct* next);

// Stack bounds for the unwinder: the stack containing sp (boot, task or IST), if any.
bool get_stack_bounds(u64 sp, u64* begin, u64* end);
// The stack (the current task's or an IST stack) whose guard space holds address, if any: the
// #DF handler's test for a stack overflow.
const vm_stack* stack_guard_page_hit(u64 address);
