// open(2) and close(2): paths resolve to a device node or a generated /proc file.
#include "internal.h"

#include <lkmemu/errno.h>
#include <kernel/fs.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/syscalls.h>

namespace {

// Device nodes are owned by root: others get the "other" permission bits.
bool may_open(u32 mode, u32 flags)
{
    if (current()->euid == 0)
        return true;
    u32 access = flags & O_ACCMODE;
    bool want_read = access == O_RDONLY || access == O_RDWR;
    bool want_write = access == O_WRONLY || access == O_RDWR;
    return (!want_read || (mode & 04)) && (!want_write || (mode & 02));
}

} // namespace

file* vfs_open(const char* path, u32 flags, int* error)
{
    if ((flags & O_ACCMODE) == O_ACCMODE) {
        *error = -LKM_EINVAL;
        return nullptr;
    }
    auto* f = static_cast<file*>(kmalloc(sizeof(file)));
    if (!f) {
        *error = -LKM_ENOMEM;
        return nullptr;
    }
    f->f_flags = flags;

    const file_operations* fops;
    unsigned minor;
    u32 mode;
    int result;
    if (lookup_device_node(path, &fops, &minor, &mode)) {
        if (!may_open(mode, flags))
            result = -LKM_EACCES;
        else if (!fops)
            result = -LKM_ENXIO;
        else {
            f->f_op = fops;
            f->minor = minor;
            result = fops->open ? fops->open(f) : 0;
        }
    } else {
        result = open_proc_file(path, f);
    }
    if (result < 0) {
        kfree(f);
        *error = result;
        return nullptr;
    }
    return f;
}

void vfs_close(file* f)
{
    if (f->f_op->release)
        f->f_op->release(f);
    kfree(f);
}

long sys_open(u64 filename, int flags, unsigned mode)
{
    auto path = getname(filename);
    if (path.is_error())
        return -path.error().code;
    int error = 0;
    file* f = vfs_open(path.value().get(), static_cast<u32>(flags), &error);
    if (!f)
        return error;
    int fd = fd_install(f);
    if (fd < 0)
        vfs_close(f);
    return fd;
}

long sys_close(unsigned fd)
{
    file* f = fd_remove(static_cast<int>(fd));
    if (!f)
        return -LKM_EBADF;
    vfs_close(f);
    return 0;
}
