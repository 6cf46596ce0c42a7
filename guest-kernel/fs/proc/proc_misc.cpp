// The kernel's own /proc files (Linux's fs/proc/{meminfo,uptime,version}.c, fs/proc_namespace.c
// and kernel/module/procfs.c's /proc/modules, whose text the module subsystem formats).
#include "../internal.h"

#include <kernel/module.h>
#include <kernel/printk.h>
#include <kernel/seq_buf.h>
#include <kernel/time.h>
#include <kernel/vsprintf.h>

namespace {

ssize_t meminfo_show(char* buf, size_t size)
{
    seq_buf s { buf, size };
    const meminfo_counters& m = kernel_meminfo;
    s.printf("MemTotal:       %8lu kB\n", m.total_pages * 4);
    s.printf("MemFree:        %8lu kB\n", m.free_pages * 4);
    s.printf("Slab:           %8lu kB\n", (m.kmalloc_bytes + 1023) / 1024);
    return static_cast<ssize_t>(s.length);
}

ssize_t uptime_show(char* buf, size_t size)
{
    u64 ns = local_clock();
    u64 seconds = ns / 1000000000, centis = ns / 10000000 % 100;
    return snprintf(buf, size, "%lu.%02lu 0.00\n", seconds, centis);
}

ssize_t version_show(char* buf, size_t size)
{
    return snprintf(buf, size, "lkmemu kernel version 0.1 (clang %d.%d.%d) x86_64\n", __clang_major__,
                    __clang_minor__, __clang_patchlevel__);
}

// Linux's /proc/mounts: "device mountpoint type options 0 0".
ssize_t mounts_show(char* buf, size_t size)
{
    seq_buf s { buf, size };
    path root;
    get_root_path(&root);
    KBuffer<char> where(PATH_MAX);
    for (vfsmount* m = first_mount(); m && where; m = m->mnt_next) {
        path p = { m, m->mnt_root };
        const char* at = d_path(&p, &root, where.get(), PATH_MAX);
        s.printf("%s %s %s rw 0 0\n", m->mnt_devname, at ? at : "?", m->mnt_sb->s_type->name);
    }
    path_put(&root);
    return static_cast<ssize_t>(s.length);
}

} // namespace

void proc_init()
{
    struct {
        const char* path;
        proc_show_fn show;
    } const files[] = {
        { "/proc/modules", proc_modules_show },
        { "/proc/meminfo", meminfo_show },
        { "/proc/uptime", uptime_show },
        { "/proc/version", version_show },
        { "/proc/mounts", mounts_show },
    };
    for (const auto& f : files) {
        if (register_proc_file(f.path, f.show) < 0)
            pr_err("fs: cannot register %s\n", f.path);
    }
}
