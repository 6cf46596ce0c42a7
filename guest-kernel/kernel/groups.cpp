// Supplementary groups (Linux's kernel/groups.c): getgroups(2), setgroups(2), and the sorted
// set a permission check searches. The set is shared by reference (a fork takes one) and
// replaced whole by setgroups, so a child's change never shows in its parent.
#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/cred.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/syscalls.h>

namespace {

constexpr int NGROUPS_MAX = 65536; // Linux's limit on setgroups' size

void sort_groups(group_info* groups)
{
    // Shell sort: setgroups is rare and the sets small; no allocation, O(n^1.5) at worst here.
    unsigned n = groups->ngroups;
    for (unsigned gap = n / 2; gap > 0; gap /= 2) {
        for (unsigned i = gap; i < n; i++) {
            u32 value = groups->gid[i];
            unsigned j = i;
            for (; j >= gap && groups->gid[j - gap] > value; j -= gap)
                groups->gid[j] = groups->gid[j - gap];
            groups->gid[j] = value;
        }
    }
}

} // namespace

void put_group_info(group_info* groups)
{
    if (groups && --groups->usage == 0)
        kfree(groups);
}

bool in_group_p(const task_struct* task, u32 gid)
{
    if (gid == task->egid)
        return true;
    const group_info* groups = task->groups;
    if (!groups)
        return false;
    unsigned low = 0, high = groups->ngroups;
    while (low < high) {
        unsigned middle = low + (high - low) / 2;
        if (groups->gid[middle] == gid)
            return true;
        if (groups->gid[middle] < gid)
            low = middle + 1;
        else
            high = middle;
    }
    return false;
}

long sys_getgroups(int size, u64 list)
{
    const group_info* groups = current()->groups;
    int count = groups ? static_cast<int>(groups->ngroups) : 0;
    if (size < 0)
        return -LKM_EINVAL;
    if (size == 0)
        return count; // how many there are, copying nothing
    if (size < count)
        return -LKM_EINVAL;
    if (count && copy_to_user(list, groups->gid, sizeof(u32) * static_cast<size_t>(count)))
        return -LKM_EFAULT;
    return count;
}

long sys_setgroups(int size, u64 list)
{
    task_struct* task = current();
    if (task->euid != 0)
        return -LKM_EPERM; // CAP_SETGID
    if (size < 0 || size > NGROUPS_MAX)
        return -LKM_EINVAL;
    group_info* groups = nullptr;
    if (size > 0) {
        size_t bytes = sizeof(u32) * static_cast<size_t>(size);
        groups = static_cast<group_info*>(kmalloc(sizeof(group_info) + bytes));
        if (!groups)
            return -LKM_ENOMEM;
        groups->usage = 1;
        groups->ngroups = static_cast<unsigned>(size);
        if (copy_from_user(groups->gid, list, bytes)) {
            kfree(groups);
            return -LKM_EFAULT;
        }
        sort_groups(groups);
    }
    put_group_info(task->groups);
    task->groups = groups;
    return 0;
}
