// Creating a task (Linux's kernel/fork.c): its struct, its kernel stack (virtually mapped, with a
// guard below it: an overflow faults instead of corrupting memory), and its pid. Pids are handed
// out in order and wrap at PID_MAX to RESERVED_PIDS, skipping those in use (Linux's alloc_pid over
// its cyclic idr); the tasks are in a tree by pid, so lookup and allocation are O(log tasks) (plus
// the run of taken pids skipped after a wrap). No cap but memory, PID_MAX and max_threads.
//
// fork, vfork and clone make a user task a copy of the current one (copy_process): the struct
// copied whole (dup_task_struct) and what must not be inherited reset, the address space copied
// on write or shared (CLONE_VM), descriptors, root/cwd and handlers copied or shared, and a
// kernel stack whose registers return to ring 3 with RAX 0. Each task is counted in its real
// uid's user_struct for RLIMIT_NPROC.
#include <lkmemu/errno.h>
#include <lkmemu/sched.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/completion.h>
#include <kernel/cred.h>
#include <kernel/entry.h>
#include <kernel/fdtable.h>
#include <kernel/kthread.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/syscalls.h>
#include <kernel/vmap_stack.h>

extern "C" [[noreturn]] void enter_user_mode(pt_regs* regs); // entry_64.S

// The processes of one real uid, for RLIMIT_NPROC (Linux's user_struct / ucounts): made with
// its first task, freed with its last.
struct user_struct {
    rb_node node; // in g_users, by uid
    u32 uid;
    unsigned processes;
};

namespace {

constexpr int PID_MAX = 32768;     // Linux's PID_MAX_DEFAULT
constexpr int RESERVED_PIDS = 300; // where the numbering starts again after a wrap

rb_root g_pid_tree;
int g_last_pid; // the pid handed out last
unsigned g_nr_tasks = 1; // the idle task
rb_root g_users;

task_struct* pid_task(const rb_node* node) { return const_cast<task_struct*>(rb_entry_const(node, task_struct, pid_node)); }

// The task with the lowest pid >= pid, or nullptr.
task_struct* first_task_from(int pid)
{
    rb_node* node = g_pid_tree.rb_node;
    task_struct* found = nullptr;
    while (node) {
        task_struct* task = pid_task(node);
        if (task->pid >= pid) {
            found = task;
            node = node->rb_left;
        } else {
            node = node->rb_right;
        }
    }
    return found;
}

// The first free pid in [from, PID_MAX), or 0.
int free_pid_from(int from)
{
    int candidate = from;
    for (task_struct* task = first_task_from(from); task && task->pid == candidate && candidate < PID_MAX;) {
        candidate++;
        rb_node* next = rb_next(&task->pid_node);
        task = next ? pid_task(next) : nullptr;
    }
    return candidate < PID_MAX ? candidate : 0;
}

lkm::ErrorOr<int> alloc_pid()
{
    int pid = free_pid_from(g_last_pid + 1);
    if (!pid)
        pid = free_pid_from(RESERVED_PIDS);
    if (!pid)
        return lkm::Error::from_errno(LKM_EAGAIN, "alloc_pid: no free pid");
    g_last_pid = pid;
    return pid;
}

void link_pid(task_struct* task)
{
    rb_add(&task->pid_node, &g_pid_tree,
           [](const rb_node* a, const rb_node* b) { return pid_task(a)->pid < pid_task(b)->pid; });
}

// --- RLIMIT_NPROC's count per uid ---

user_struct* user_of(const rb_node* node) { return const_cast<user_struct*>(rb_entry_const(node, user_struct, node)); }

// The uid's user_struct, made if there is none yet (processes 0); nullptr without memory.
user_struct* alloc_uid(u32 uid)
{
    for (rb_node* node = g_users.rb_node; node;) {
        user_struct* user = user_of(node);
        if (uid == user->uid)
            return user;
        node = uid < user->uid ? node->rb_left : node->rb_right;
    }
    auto* user = static_cast<user_struct*>(kmalloc(sizeof(user_struct)));
    if (!user)
        return nullptr;
    user->uid = uid;
    user->processes = 0;
    rb_add(&user->node, &g_users, [](const rb_node* a, const rb_node* b) { return user_of(a)->uid < user_of(b)->uid; });
    return user;
}

void free_uid(user_struct* user)
{
    if (user && --user->processes == 0) {
        rb_erase(&user->node, &g_users);
        kfree(user);
    }
}

// --- copy_process ---

struct kernel_clone_args {
    u64 flags;       // CLONE_*, without the exit signal
    int exit_signal; // the low byte of clone's flags: SIGCHLD for fork and vfork
    u64 stack;       // the child's RSP, or 0: the parent's
    u64 parent_tid;  // CLONE_PARENT_SETTID
    u64 child_tid;   // CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID
    u64 tls;         // CLONE_SETTLS: the child's FS base
};

// The flags lkmemu does not implement: a thread group (CLONE_THREAD), namespaces, pidfds,
// ptrace, and I/O context sharing. Refused rather than half done; each logged once.
constexpr u64 CLONE_UNSUPPORTED = LKM_CLONE_THREAD | LKM_CLONE_NEWNS | LKM_CLONE_NEWCGROUP | LKM_CLONE_NEWUTS |
                                  LKM_CLONE_NEWIPC | LKM_CLONE_NEWUSER | LKM_CLONE_NEWPID | LKM_CLONE_NEWNET |
                                  LKM_CLONE_PIDFD | LKM_CLONE_PTRACE | LKM_CLONE_IO;

lkm::ErrorOr<void> check_clone_flags(const kernel_clone_args& args)
{
    u64 flags = args.flags;
    // Linux's own rules: a shared handler table needs a shared address space.
    if ((flags & LKM_CLONE_SIGHAND) && !(flags & LKM_CLONE_VM))
        return lkm::Error::from_errno(LKM_EINVAL, "clone: CLONE_SIGHAND without CLONE_VM");
    if (u64 unsupported = flags & CLONE_UNSUPPORTED) {
        static u64 logged;
        if (unsupported & ~logged) {
            logged |= unsupported;
            pr_info("lkmemu: %s[%d]: clone flags %#lx not supported (EINVAL)\n", current()->comm, current()->pid,
                    unsupported);
        }
        return lkm::Error::from_errno(LKM_EINVAL, "clone: unsupported flags");
    }
    // init's siblings would be the idle task's children, whom nobody reaps.
    if ((flags & LKM_CLONE_PARENT) && current()->pid == 1)
        return lkm::Error::from_errno(LKM_EINVAL, "clone: CLONE_PARENT from init");
    if (!valid_signal(args.exit_signal))
        return lkm::Error::from_errno(LKM_EINVAL, "clone: bad exit signal");
    return {};
}

// What a failed copy_process had already taken, given back; the task was never linked.
void free_unlinked_task(task_struct* p)
{
    if (p->mm)
        mmput(p->mm);
    if (p->files)
        put_files_struct(p->files);
    if (p->fs)
        free_fs_struct(p->fs);
    exit_signals(p);
    free_uid(p->user);
    release_abi_state(p);
    if (p->stack)
        vmap_stack_free(p->stack);
    kfree(p);
}

lkm::ErrorOr<void> copy_resources(task_struct* p, const task_struct* parent, u64 flags)
{
    if (flags & LKM_CLONE_FILES) {
        if (parent->files)
            parent->files->count++;
        p->files = parent->files; // nullptr: init_files, shared as well
    } else {
        p->files = TRY(dup_fd(current_files()));
    }
    if (flags & LKM_CLONE_FS) {
        if (parent->fs)
            parent->fs->users++;
        p->fs = parent->fs;
    } else {
        p->fs = TRY(copy_fs_struct(current_fs()));
    }
    if (copy_sighand(p, parent, flags & LKM_CLONE_SIGHAND) < 0)
        return lkm::Error::from_errno(LKM_ENOMEM, "fork: no memory for the handler table");
    if (flags & LKM_CLONE_VM) {
        parent->mm->mm_users++;
        p->mm = parent->mm;
    } else {
        p->mm = TRY(dup_mm(parent->mm));
    }
    return {};
}

// A user child's first instructions in the kernel (ret_from_fork calls it): what the child
// does for itself (CLONE_CHILD_SETTID, in its own address space), then the way every return to
// ring 3 goes.
[[noreturn]] void ret_from_fork_user(void*)
{
    local_irq_disable();
    task_struct* task = current();
    if (task->set_child_tid) {
        int tid = task->pid;
        copy_to_user(task->set_child_tid, &tid, sizeof(tid)); // a bad address is the child's problem
    }
    pt_regs* regs = current_pt_regs();
    exit_to_user_mode_prepare(regs);
    enter_user_mode(regs);
}

lkm::ErrorOr<task_struct*> copy_process(const kernel_clone_args& args)
{
    task_struct* parent = current();
    TRY(check_clone_flags(args));
    // Linux's limits: max_threads for everyone; RLIMIT_NPROC per real uid, except for root's
    // own tasks and for a privileged caller (Linux exempts CAP_SYS_RESOURCE / CAP_SYS_ADMIN).
    if (g_nr_tasks >= max_threads())
        return lkm::Error::from_errno(LKM_EAGAIN, "fork: threads-max reached");
    if (parent->user && parent->user->processes >= parent->rlim[LKM_RLIMIT_NPROC].rlim_cur && parent->user->uid != 0 &&
        parent->euid != 0)
        return lkm::Error::from_errno(LKM_EAGAIN, "fork: RLIMIT_NPROC reached");

    auto* p = static_cast<task_struct*>(kmalloc(sizeof(task_struct)));
    if (!p)
        return lkm::Error::from_errno(LKM_ENOMEM, "fork: no memory for the task");
    // dup_task_struct: everything inherited (credentials, limits, blocked mask, alternate stack,
    // comm, the process group, session and terminal ...), then what is the child's own reset.
    memcpy(p, parent, sizeof(*p));
    p->mm = nullptr;
    p->files = nullptr;
    p->fs = nullptr;
    p->sighand = nullptr;
    p->groups = nullptr;
    p->stack = nullptr;
    p->user = nullptr;
    p->kthread_data = nullptr;
    p->flags &= ~PF_KTHREAD;
    p->state = TASK_UNINTERRUPTIBLE; // until wake_up_new_task
    p->exit_state = 0;
    p->exit_code = 0;
    // Its own reference (finish_task_switch drops it once it is dead and switched away from)
    // and the one release_task drops when the parent has reaped it.
    p->usage = 2;
    copy_abi_state(p, parent);
    p->pending = {};
    p->restore_sigmask = false;
    p->signal_flags = 0;
    p->trap_nr = p->error_code = p->cr2 = 0;
    p->exit_signal = args.exit_signal;
    p->vfork_done = nullptr;
    p->set_child_tid = (args.flags & LKM_CLONE_CHILD_SETTID) ? args.child_tid : 0;
    p->clear_child_tid = (args.flags & LKM_CLONE_CHILD_CLEARTID) ? args.child_tid : 0;
    p->jobctl_stop_signal = 0;
    p->jobctl_stop_unreported = p->jobctl_continued_unreported = false;
    // A child that shares the address space but not a vfork gets no alternate stack (it would
    // be the parent's), as Linux's copy_process.
    if ((args.flags & (LKM_CLONE_VM | LKM_CLONE_VFORK)) == LKM_CLONE_VM)
        p->sas_ss_sp = p->sas_ss_size = p->sas_ss_flags = 0;
    INIT_LIST_HEAD(&p->children);
    INIT_LIST_HEAD(&p->sibling);
    INIT_LIST_HEAD(&p->run_list);
    init_waitqueue_head(&p->wait_chldexit);
    p->on_rq = false;

    auto stack = vmap_stack_alloc(THREAD_SIZE, "TASK");
    if (stack.is_error()) {
        free_unlinked_task(p);
        return stack.release_error();
    }
    p->stack = stack.value();
    p->kernel_stack_top = p->stack->end;
    if (auto copied = copy_resources(p, parent, args.flags); copied.is_error()) {
        free_unlinked_task(p);
        return copied.release_error();
    }
    copy_thread(p, ret_from_fork_user, nullptr);
    copy_thread_user(p, current_pt_regs(), args.stack);
    if (args.flags & LKM_CLONE_SETTLS)
        p->thread.fsbase = args.tls;

    IrqSaveGuard irqs_off; // the pid tree, the user counts, the parent's children list
    p->user = alloc_uid(p->uid);
    if (!p->user) {
        free_unlinked_task(p);
        return lkm::Error::from_errno(LKM_ENOMEM, "fork: no memory for the uid count");
    }
    p->user->processes++;
    auto pid = alloc_pid();
    if (pid.is_error()) {
        free_unlinked_task(p);
        return pid.release_error();
    }
    p->pid = p->tgid = pid.value();
    p->real_parent = (args.flags & LKM_CLONE_PARENT) ? parent->real_parent : parent;
    list_add_tail(&p->sibling, &p->real_parent->children);
    link_pid(p);
    g_nr_tasks++;
    return p;
}

// Linux's kernel_clone: the child made and started; the parent, for a vfork, waits until the
// child has released the address space (its exec or exit). Returns the child's pid.
long kernel_clone(const kernel_clone_args& args)
{
    auto created = copy_process(args);
    if (created.is_error())
        return -created.error().code;
    task_struct* p = created.value();
    int pid = p->pid;
    if (args.flags & LKM_CLONE_PARENT_SETTID)
        copy_to_user(args.parent_tid, &pid, sizeof(pid));
    completion vfork;
    if (args.flags & LKM_CLONE_VFORK) {
        init_completion(&vfork);
        p->vfork_done = &vfork;
    }
    wake_up_new_task(p); // p may be gone by the time this returns: only the pid is used after
    if (args.flags & LKM_CLONE_VFORK)
        wait_for_completion(&vfork);
    return pid;
}

} // namespace

unsigned max_threads()
{
    // fork_init's: what memory allows if each task took eight kernel stacks' worth, at least 20.
    u64 threads = kernel_meminfo.total_pages / (8 * THREAD_SIZE / PAGE_SIZE);
    return static_cast<unsigned>(max(threads, u64(20)));
}

void set_user(task_struct* task)
{
    IrqSaveGuard irqs_off;
    if (task->user && task->user->uid == task->uid)
        return;
    user_struct* user = alloc_uid(task->uid);
    if (!user)
        return;
    user->processes++;
    free_uid(task->user);
    task->user = user;
}

lkm::ErrorOr<task_struct*> create_task(const char* comm, void (*fn)(void*), void* arg, unsigned flags)
{
    auto* task = static_cast<task_struct*>(kmalloc(sizeof(task_struct)));
    if (!task)
        return lkm::Error::from_errno(LKM_ENOMEM, "create_task: no memory for the task");
    memset(task, 0, sizeof(*task));
    auto stack = vmap_stack_alloc(THREAD_SIZE, "TASK");
    if (stack.is_error()) {
        kfree(task);
        return stack.release_error();
    }
    IrqSaveGuard irqs_off; // the pid tree and the parent's children list
    user_struct* root = alloc_uid(0); // kernel threads and init count as root's
    if (!root) {
        vmap_stack_free(stack.value());
        kfree(task);
        return lkm::Error::from_errno(LKM_ENOMEM, "create_task: no memory for the uid count");
    }
    root->processes++;
    auto pid = alloc_pid();
    if (pid.is_error()) {
        free_uid(root);
        vmap_stack_free(stack.value());
        kfree(task);
        return pid.release_error();
    }
    task->user = root;
    task->pid = task->tgid = pid.value();
    task->state = TASK_UNINTERRUPTIBLE; // until wake_up_new_task
    task->flags = flags;
    task->usage = 1; // the task's own, dropped once it is dead and switched away from
    strlcpy(task->comm, comm, sizeof(task->comm));
    task->uid = task->euid = task->suid = 0;
    init_task_abi_state(task); // gids, groups, limits (kernel/cred.h)
    task->stack = stack.value();
    task->kernel_stack_top = task->stack->end;
    // Kernel threads and init are children of the idle task here (Linux's init and kthreadd
    // are; there is no kthreadd yet).
    task->real_parent = idle_task();
    INIT_LIST_HEAD(&task->children);
    list_add_tail(&task->sibling, &task->real_parent->children);
    INIT_LIST_HEAD(&task->run_list);
    init_waitqueue_head(&task->wait_chldexit);
    task->exit_signal = SIGCHLD;
    copy_thread(task, fn, arg);
    link_pid(task);
    g_nr_tasks++;
    return task;
}

task_struct* find_task_by_pid(int pid)
{
    IrqSaveGuard irqs_off;
    task_struct* task = first_task_from(pid);
    return task && task->pid == pid ? task : nullptr;
}

void put_task_struct(task_struct* task)
{
    if (--task->usage == 0)
        free_task(task);
}

void free_task(task_struct* task)
{
    {
        IrqSaveGuard irqs_off;
        rb_erase(&task->pid_node, &g_pid_tree);
        list_del_init(&task->sibling);
        free_uid(task->user);
        task->user = nullptr;
        g_nr_tasks--;
    }
    release_abi_state(task);
    vmap_stack_free(task->stack);
    kthread_free(task);
    kfree(task);
}

unsigned nr_tasks() { return g_nr_tasks; }

long sys_fork()
{
    kernel_clone_args args {};
    args.exit_signal = SIGCHLD;
    return kernel_clone(args);
}

long sys_vfork()
{
    kernel_clone_args args {};
    args.flags = LKM_CLONE_VFORK | LKM_CLONE_VM;
    args.exit_signal = SIGCHLD;
    return kernel_clone(args);
}

// x86-64's argument order: flags, newsp, parent_tid, child_tid, tls.
long sys_clone(unsigned long clone_flags, u64 newsp, u64 parent_tidptr, u64 child_tidptr, u64 tls)
{
    kernel_clone_args args {};
    args.flags = clone_flags & ~static_cast<u64>(LKM_CSIGNAL);
    args.exit_signal = static_cast<int>(clone_flags & LKM_CSIGNAL);
    args.stack = newsp;
    args.parent_tid = parent_tidptr;
    args.child_tid = child_tidptr;
    args.tls = tls;
    return kernel_clone(args);
}
