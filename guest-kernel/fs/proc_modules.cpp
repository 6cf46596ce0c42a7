// /proc/modules: one line per loaded module, in Linux's format. The module subsystem owns the
// list and formats it (kernel/module/procfs.cpp); this registers the file.
#include <kernel/fs.h>
#include <kernel/module.h>
#include <kernel/printk.h>

void fs_init()
{
    if (register_proc_file("/proc/modules", proc_modules_show) < 0)
        pr_err("fs: cannot register /proc/modules\n");
}
