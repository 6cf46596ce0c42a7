// Bringing the tree up (Linux's init_mount_tree, proc_root_init and devtmpfs_mount): a ramfs as
// the root of everything, procfs on /proc and a devtmpfs on /dev, on directories made for them.
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <kernel/panic.h>
#include <kernel/pipe_fs_i.h>

namespace {

void mount_on(super_block* sb, const char* where, const char* devname)
{
    if (!sb)
        panic("VFS: no memory for %s", devname);
    int error = do_mkdirat(LKM_AT_FDCWD, where, 0755);
    if (error && error != -LKM_EEXIST)
        panic("VFS: cannot make %s: %d", where, error);
    path mountpoint;
    error = filename_lookup(LKM_AT_FDCWD, where, LOOKUP_DIRECTORY, &mountpoint);
    if (error)
        panic("VFS: cannot find %s: %d", where, error);
    if (vfs_kern_mount(sb, &mountpoint, devname).is_error())
        panic("VFS: cannot mount %s", devname);
    path_put(&mountpoint);
}

} // namespace

void vfs_init()
{
    super_block* root_sb = ramfs_fill_super(&ramfs_fs_type, 0755);
    if (!root_sb || vfs_kern_mount(root_sb, nullptr, "rootfs").is_error())
        panic("VFS: cannot make the root file system");
    get_root_path(&init_fs.root);
    get_root_path(&init_fs.pwd);
    mount_on(proc_super(), "/proc", "proc");
    mount_on(ramfs_fill_super(&devtmpfs_fs_type, 0755), "/dev", "devtmpfs");
    proc_init();
    init_pipe_fs();
}
