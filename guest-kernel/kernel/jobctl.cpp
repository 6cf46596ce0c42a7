// Process groups and sessions (Linux's kernel/sys.c: setpgid, getpgid, getpgrp, setsid,
// getsid) and signals to a group or to everyone (kernel/signal.c's __kill_pgrp_info and
// kill(-1)). A task's group and session are the pids in its task_struct (pgrp, session);
// init starts with both 1 and fork copies them. The walks visit every process through the
// process tree (idle -> init and the kernel threads -> their children ...): these calls are a
// shell's per-job work, not a hot path, and Linux's per-pid lists would be one more structure
// to keep right in fork and exit.
#include <lkmemu/errno.h>
#include <asm/processor.h>
#include <kernel/jobctl.h>
#include <kernel/list.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>

namespace {

task_struct* next_in_tree(task_struct* t, task_struct* root)
{
    if (!list_empty(&t->children))
        return list_first_entry(&t->children, task_struct, sibling);
    while (t != root) {
        task_struct* parent = t->real_parent;
        if (t->sibling.next != &parent->children)
            return list_entry(t->sibling.next, task_struct, sibling);
        t = parent;
    }
    return nullptr;
}

bool is_process(const task_struct* t) { return !(t->flags & PF_KTHREAD) && t->tgid == t->pid; }

bool is_alive(const task_struct* t) { return !t->exit_state; }

// The task setpgid/getpgid/getsid name: the caller for 0, else a live process by pid.
task_struct* find_process_or_current(int pid)
{
    if (pid == 0)
        return current();
    task_struct* t = find_task_by_pid(pid);
    return t && is_process(t) ? t : nullptr;
}

bool is_child_of_current(const task_struct* t) { return t->real_parent == current(); }

} // namespace

void for_each_process(bool (*fn)(task_struct* task, void* arg), void* arg)
{
    IrqSaveGuard irqs_off; // the tree may change under an interrupt's wake-up otherwise
    task_struct* root = idle_task();
    for (task_struct* t = next_in_tree(root, root); t; t = next_in_tree(t, root))
        if (is_process(t) && !fn(t, arg))
            return;
}

bool pgrp_exists(int pgrp)
{
    struct Search {
        int pgrp;
        bool found;
    } search { pgrp, false };
    for_each_process(
        [](task_struct* t, void* arg) {
            auto* s = static_cast<Search*>(arg);
            s->found = t->pgrp == s->pgrp;
            return !s->found;
        },
        &search);
    return search.found;
}

int kill_pgrp_info(int sig, const lkm_siginfo* info, int pgrp)
{
    if (pgrp <= 0)
        return -LKM_ESRCH;
    struct Kill {
        int sig;
        const lkm_siginfo* info;
        int pgrp;
        bool any;
        int error;
    } kill { sig, info, pgrp, false, -LKM_ESRCH };
    // Signalling does not change the process tree (a wake-up only queues the task), so the
    // walk can send as it goes.
    for_each_process(
        [](task_struct* t, void* arg) {
            auto* k = static_cast<Kill*>(arg);
            if (t->pgrp != k->pgrp || !is_alive(t))
                return true;
            int error = group_send_sig_info(k->sig, k->info, t);
            if (error)
                k->error = error;
            else
                k->any = true;
            return true;
        },
        &kill);
    return kill.any ? 0 : kill.error;
}

int kill_all_info(int sig, const lkm_siginfo* info)
{
    struct Kill {
        int sig;
        const lkm_siginfo* info;
        int count;
        int result;
    } kill { sig, info, 0, 0 };
    for_each_process(
        [](task_struct* t, void* arg) {
            auto* k = static_cast<Kill*>(arg);
            if (t->pid <= 1 || t->tgid == current()->tgid || !is_alive(t))
                return true;
            int error = group_send_sig_info(k->sig, k->info, t);
            k->count++;
            if (error != -LKM_EPERM)
                k->result = error; // as Linux: the last answer that is not "not allowed"
            return true;
        },
        &kill);
    return kill.count ? kill.result : -LKM_ESRCH;
}

bool is_pgrp_orphaned(int pgrp)
{
    struct Search {
        int pgrp;
        bool orphaned;
    } search { pgrp, true };
    for_each_process(
        [](task_struct* t, void* arg) {
            auto* s = static_cast<Search*>(arg);
            const task_struct* parent = t->real_parent;
            // As Linux: init's children do not count (nobody continues a job init started).
            if (t->pgrp != s->pgrp || !is_alive(t) || (parent && parent->pid == 1))
                return true;
            if (parent && parent->pgrp != s->pgrp && parent->session == t->session) {
                s->orphaned = false;
                return false;
            }
            return true;
        },
        &search);
    return search.orphaned;
}

// setpgid(2), as Linux: pid 0 is the caller, pgid 0 the target's own pid. The target must be
// the caller or one of its children in its session (ESRCH otherwise, EPERM for another
// session), not a session leader (EPERM), and a group other than its own must already exist in
// the caller's session (EPERM).
long sys_setpgid(int pid, int pgid)
{
    if (pgid < 0)
        return -LKM_EINVAL;
    task_struct* self = current();
    task_struct* t = find_process_or_current(pid);
    if (!t || (t != self && !is_child_of_current(t)))
        return -LKM_ESRCH;
    if (t != self && t->session != self->session)
        return -LKM_EPERM;
    if (t->pid == t->session)
        return -LKM_EPERM; // a session leader stays its group's leader
    if (pgid == 0)
        pgid = t->pid;
    if (pgid != t->pid) {
        struct Search {
            int pgrp, session;
            bool found;
        } search { pgid, self->session, false };
        for_each_process(
            [](task_struct* p, void* arg) {
                auto* s = static_cast<Search*>(arg);
                s->found = p->pgrp == s->pgrp && p->session == s->session;
                return !s->found;
            },
            &search);
        if (!search.found)
            return -LKM_EPERM;
    }
    t->pgrp = pgid;
    return 0;
}

long sys_getpgid(int pid)
{
    task_struct* t = find_process_or_current(pid);
    return t ? t->pgrp : -LKM_ESRCH;
}

long sys_getpgrp() { return current()->pgrp; }

// setsid(2): a new session and group, both the caller's pid, with no controlling terminal;
// EPERM for a process that leads a group already (its pid names a group).
long sys_setsid()
{
    task_struct* self = current();
    if (pgrp_exists(self->pid))
        return -LKM_EPERM;
    self->session = self->pgrp = self->pid;
    self->tty = nullptr;
    return self->session;
}

long sys_getsid(int pid)
{
    task_struct* t = find_process_or_current(pid);
    return t ? t->session : -LKM_ESRCH;
}
