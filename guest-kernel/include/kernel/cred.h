// What a task is allowed and limited to beyond its uids: gids and supplementary groups
// (kernel/sys.cpp, kernel/groups.cpp), resource limits (kernel/resource.cpp) and the libc
// start-up state (set_tid_address, set_robust_list, prctl). Linux keeps these in struct cred and
// struct signal_struct; lkmemu keeps them in the task (kernel/sched.h).
#pragma once

#include <lkmemu/resource.h>
#include <kernel/types.h>

struct task_struct;

// A set of supplementary gids, sorted (groups_search is a binary search), shared by reference
// between a task and the children it forks until one of them calls setgroups.
struct group_info {
    unsigned usage;
    unsigned ngroups;
    u32 gid[];
};
inline group_info* get_group_info(group_info* groups)
{
    if (groups)
        groups->usage++;
    return groups;
}
void put_group_info(group_info* groups); // frees it with the last reference; nullptr is fine
bool in_group_p(const task_struct* task, u32 gid); // its fsgid (egid) or a supplementary group

// A task made from nothing (create_task): root's credentials, Linux's default limits
// (INIT_RLIMITS), dumpable. A forked task copies its parent's instead (copy_abi_state).
void init_task_abi_state(task_struct* task);
// A child's share of its parent's: credentials, groups (by reference), limits, dumpable. Not
// clear_child_tid and the robust list, which clone sets per thread (CLONE_CHILD_CLEARTID ...).
void copy_abi_state(task_struct* child, const task_struct* parent);
// At the task's end: drop what init_task_abi_state / copy_abi_state took.
void release_abi_state(task_struct* task);

// The soft limit of resource (LKM_RLIMIT_*) for the current task (Linux's rlimit()).
u64 rlimit(unsigned resource);
