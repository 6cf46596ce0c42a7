// /proc/sys: the kernel's tunables as files (Linux's kernel/sysctl.c). Only what exists here:
// kernel/tainted, the taint mask as a decimal number, as `cat /proc/sys/kernel/tainted` prints it
// on Linux (bit N is taint letter N of print_tainted: 2 is F, a forced load). Read-only: Linux
// lets root add taints by writing it, which nothing here needs yet.
#include <kernel/fs.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/sysctl.h>
#include <kernel/vsprintf.h>

namespace {

ssize_t tainted_show(char* buf, size_t size) { return snprintf(buf, size, "%u\n", kernel_taint_mask()); }

} // namespace

void sysctl_init()
{
    if (int error = register_proc_file("/proc/sys/kernel/tainted", tainted_show); error < 0)
        pr_err("sysctl: cannot register /proc/sys/kernel/tainted: %d\n", error);
}
