// A task's credentials, groups and limits from birth to death (kernel/cred.h): Linux's
// init_cred and INIT_RLIMITS for a task made from nothing, a copy of the parent's for a fork.
#include <lkmemu/resource.h>
#include <asm/page.h>
#include <kernel/cred.h>
#include <kernel/mm.h>
#include <kernel/sched.h>

namespace {

constexpr u64 RLIM_INF = LKM_RLIM_INFINITY;
constexpr u64 STACK_LIMIT = 8ull << 20;   // _STK_LIM
constexpr u64 MLOCK_LIMIT = 8ull << 20;   // MLOCK_LIMIT (Linux 5.16 on)
constexpr u64 MQ_BYTES_MAX = 819200;      // ipc/mqueue.c
constexpr u64 NR_OPEN_CUR = 1024;         // INR_OPEN_CUR
constexpr u64 NR_OPEN_MAX = 4096;         // INR_OPEN_MAX

// fork_init's max_threads: what memory allows if each task took eight kernel stacks' worth,
// at least 20. RLIMIT_NPROC and RLIMIT_SIGPENDING default to half of it, as on Linux.
u64 default_task_limit()
{
    u64 max_threads = kernel_meminfo.total_pages / (8 * THREAD_SIZE / PAGE_SIZE);
    return max(max_threads, u64(20)) / 2;
}

} // namespace

void init_task_abi_state(task_struct* task)
{
    task->gid = task->egid = task->sgid = 0;
    task->groups = nullptr;
    u64 tasks = default_task_limit();
    for (lkm_rlimit64& limit : task->rlim)
        limit = { RLIM_INF, RLIM_INF };
    task->rlim[LKM_RLIMIT_STACK] = { STACK_LIMIT, RLIM_INF };
    task->rlim[LKM_RLIMIT_CORE] = { 0, RLIM_INF };
    task->rlim[LKM_RLIMIT_NPROC] = { tasks, tasks };
    task->rlim[LKM_RLIMIT_NOFILE] = { NR_OPEN_CUR, NR_OPEN_MAX };
    task->rlim[LKM_RLIMIT_MEMLOCK] = { MLOCK_LIMIT, MLOCK_LIMIT };
    task->rlim[LKM_RLIMIT_SIGPENDING] = { tasks, tasks };
    task->rlim[LKM_RLIMIT_MSGQUEUE] = { MQ_BYTES_MAX, MQ_BYTES_MAX };
    task->rlim[LKM_RLIMIT_NICE] = { 0, 0 };
    task->rlim[LKM_RLIMIT_RTPRIO] = { 0, 0 };
    task->clear_child_tid = 0;
    task->robust_list = task->robust_list_len = 0;
    task->pdeath_signal = 0;
    task->dumpable = 1;
}

void copy_abi_state(task_struct* child, const task_struct* parent)
{
    child->uid = parent->uid;
    child->euid = parent->euid;
    child->suid = parent->suid;
    child->gid = parent->gid;
    child->egid = parent->egid;
    child->sgid = parent->sgid;
    child->groups = get_group_info(parent->groups);
    for (unsigned i = 0; i < LKM_RLIM_NLIMITS; i++)
        child->rlim[i] = parent->rlim[i];
    child->clear_child_tid = 0;
    child->robust_list = child->robust_list_len = 0;
    child->pdeath_signal = 0; // cleared in a child, as Linux's copy_process
    child->dumpable = parent->dumpable;
}

void release_abi_state(task_struct* task)
{
    put_group_info(task->groups);
    task->groups = nullptr;
}

u64 rlimit(unsigned resource) { return current()->rlim[resource].rlim_cur; }
