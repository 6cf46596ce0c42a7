// Ending a task (Linux's kernel/exit.c): exit(2), exit_group(2), death by a signal, and the end
// of a kernel thread. A user task gives back its address space (clear_child_tid zeroed, a vfork
// parent released), descriptors, root/cwd and signal state; its children go to init; then it is
// a zombie holding only its struct, kernel stack and pid until its parent reaps it with wait4/
// waitid (kernel/wait.cpp, release_task) — or at once, when the parent ignores SIGCHLD or set
// SA_NOCLDWAIT (autoreap). Init's death is fatal for the whole system, as on Linux. A kernel
// thread is reaped at once (EXIT_DEAD: its parent does not wait for it, as kthreadd does not).
// Either way the last schedule() leaves the task for good and finish_task_switch drops its own
// reference on the next task's stack.
#include <lkmemu/signal.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/completion.h>
#include <kernel/fdtable.h>
#include <kernel/fs.h>
#include <kernel/kthread.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>

namespace {

[[noreturn]] void do_task_dead()
{
    local_irq_disable();
    current()->state = TASK_DEAD;
    schedule();
    panic("do_exit: a dead task ran again");
}

// Linux's mm_release + exit_mm: the thread-id word zeroed for whoever shares the memory, the
// vfork parent let go, then the address space dropped (the kernel's page tables loaded first).
// (lkmemu has no futex(2) yet, so there is no waiter on clear_child_tid to wake.)
void exit_mm(task_struct* task)
{
    if (task->clear_child_tid) {
        int zero = 0;
        copy_to_user(task->clear_child_tid, &zero, sizeof(zero));
        task->clear_child_tid = 0;
    }
    if (completion* vfork = task->vfork_done) {
        task->vfork_done = nullptr;
        complete(vfork);
    }
    write_cr3(kernel_pml4_phys());
    mmput(task->mm);
    task->mm = nullptr;
}

void exit_files(task_struct* task)
{
    files_struct* files = task->files;
    task->files = nullptr;
    if (files)
        put_files_struct(files); // the last user closes every descriptor
}

void exit_fs(task_struct* task)
{
    fs_struct* fs = task->fs;
    task->fs = nullptr;
    if (fs)
        free_fs_struct(fs);
}

// Whether the parent's SIGCHLD action says nobody will wait: SIG_IGN or SA_NOCLDWAIT (Linux's
// do_notify_parent). Only for a child whose exit signal is SIGCHLD.
bool parent_ignores_children(const task_struct* parent, int sig, bool* send)
{
    *send = true;
    if (sig != SIGCHLD || !parent->sighand)
        return false;
    const lkm_sigaction& action = parent->sighand->action[SIGCHLD - 1];
    if (action.sa_handler == LKM_SIG_IGN) {
        *send = false;
        return true;
    }
    return action.sa_flags & LKM_SA_NOCLDWAIT;
}

// Tell the parent: its exit signal, a wake-up of its wait. true: nobody will wait (autoreap).
bool notify_parent(task_struct* task)
{
    task_struct* parent = task->real_parent;
    bool send;
    bool autoreap = parent_ignores_children(parent, task->exit_signal, &send);
    if (send)
        do_notify_parent(task, task->exit_signal, task->exit_code);
    __wake_up_parent(task, parent);
    return autoreap;
}

// Linux's forget_original_parent: the children go to init (the child reaper), each told with
// its PR_SET_PDEATHSIG signal; a zombie among them is reported to init (which reaps it, or
// it goes at once if init ignores SIGCHLD).
void forget_original_parent(task_struct* father)
{
    task_struct* reaper = find_task_by_pid(1);
    while (!list_empty(&father->children)) {
        task_struct* child = list_first_entry(&father->children, task_struct, sibling);
        list_del_init(&child->sibling);
        child->real_parent = reaper;
        list_add_tail(&child->sibling, &reaper->children);
        if (child->pdeath_signal && !child->exit_state) {
            lkm_siginfo info {};
            info.si_signo = child->pdeath_signal;
            info.si_code = LKM_SI_USER;
            send_sig_info(child->pdeath_signal, &info, child);
        }
        if (child->exit_state == EXIT_ZOMBIE) {
            child->exit_signal = SIGCHLD; // reparented: init hears of it as of its own child
            if (notify_parent(child)) {
                child->exit_state = EXIT_DEAD;
                release_task(child);
            }
        }
    }
}

} // namespace

void release_task(task_struct* p)
{
    {
        IrqSaveGuard irqs_off;
        list_del_init(&p->sibling);
    }
    put_task_struct(p);
}

void do_exit(long status)
{
    task_struct* task = current();
    task->exit_code = static_cast<int>(status);
    if (task->flags & PF_KTHREAD) {
        task->exit_state = EXIT_DEAD;
        kthread_exited(task, status);
        do_task_dead();
    }
    if (task->pid == 1) {
        close_files();
        write_cr3(kernel_pml4_phys());
        mmput(task->mm);
        task->mm = nullptr;
        // With init gone nothing is left to reap orphans or serve the harness, which Linux
        // treats as fatal too. (The kernel stack is still in use here, so it is not freed.)
        panic("Attempted to kill init! exitcode=0x%08lx", status);
    }
    exit_mm(task);
    exit_files(task);
    exit_fs(task);
    exit_signals(task);

    // exit_notify: from here to the last schedule() nothing else runs, so the parent cannot
    // reap the zombie before it has left the CPU.
    local_irq_disable();
    forget_original_parent(task);
    task->exit_state = EXIT_ZOMBIE;
    if (notify_parent(task)) {
        task->exit_state = EXIT_DEAD;
        release_task(task); // the task's own reference still holds it until the switch
    }
    do_task_dead();
}

long sys_exit(int error_code) { do_exit((error_code & 0xff) << 8); }

// One thread per process (no CLONE_THREAD): the group's exit is the task's.
long sys_exit_group(int error_code) { do_exit((error_code & 0xff) << 8); }
