// What the system says about itself: sysinfo(2) (kernel/sys.c do_sysinfo), getcpu(2) and
// sched_getaffinity(2) for a machine of one CPU.
#include <lkmemu/errno.h>
#include <lkmemu/sysinfo.h>
#include <asm/page.h>
#include <asm/uaccess.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>

static_assert(sizeof(lkm_sysinfo) == 112, "Linux's x86-64 struct sysinfo");

namespace {
constexpr size_t CPUMASK_SIZE = sizeof(u64); // one long: NR_CPUS is 1
constexpr u64 NSEC_PER_SEC = 1000000000;
} // namespace

// Memory in bytes with mem_unit 1, as a 64-bit Linux reports it (do_sysinfo scales to bytes when
// the totals fit). No swap, no shared or buffer memory, and no load average is kept: loads are 0.
long sys_sysinfo(u64 info)
{
    lkm_sysinfo value {};
    u64 now = local_clock();
    value.uptime = static_cast<int64_t>(now / NSEC_PER_SEC + (now % NSEC_PER_SEC ? 1 : 0));
    value.totalram = kernel_meminfo.total_pages * PAGE_SIZE;
    value.freeram = kernel_meminfo.free_pages * PAGE_SIZE;
    unsigned tasks = nr_tasks() - 1; // Linux's nr_threads: the idle task is not one
    value.procs = static_cast<u16>(tasks > 0xffff ? 0xffff : tasks);
    value.mem_unit = 1;
    return copy_to_user(info, &value, sizeof(value)) ? -LKM_EFAULT : 0;
}

// getcpu(2): CPU 0 of node 0; either pointer may be null.
long sys_getcpu(u64 cpu, u64 node, u64 /*unused tcache*/)
{
    const u32 zero = 0;
    if (cpu && copy_to_user(cpu, &zero, sizeof(zero)))
        return -LKM_EFAULT;
    if (node && copy_to_user(node, &zero, sizeof(zero)))
        return -LKM_EFAULT;
    return 0;
}

// sched_getaffinity(2): the mask of CPU 0; returns the bytes written (the kernel's cpumask size),
// as the raw system call does. len must hold the mask and be a multiple of a long.
long sys_sched_getaffinity(int pid, unsigned len, u64 user_mask_ptr)
{
    if (len * 8 < 1 || (len & (sizeof(u64) - 1)))
        return -LKM_EINVAL;
    if (pid < 0 || (pid && !find_task_by_pid(pid)))
        return -LKM_ESRCH;
    const u64 mask = 1; // CPU 0
    return copy_to_user(user_mask_ptr, &mask, CPUMASK_SIZE) ? -LKM_EFAULT : static_cast<long>(CPUMASK_SIZE);
}
