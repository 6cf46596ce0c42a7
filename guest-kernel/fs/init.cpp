// The kernel's own file-system calls for the boot-time tree (Linux's fs/init.c), for the
// initramfs: each is the system call's work on a kernel string, walked as the current task
// (root); none follows a symlink in the last component.
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <kernel/init_syscalls.h>

namespace {

u32 umask_mode(u32 mode) { return mode & ~current_fs()->umask; }

// The inode at name (not following a final symlink), for the attribute setters.
template <typename Fn>
int with_inode(const char* name, Fn fn)
{
    path p;
    if (int error = filename_lookup(LKM_AT_FDCWD, name, 0, &p))
        return error;
    int result = fn(p.dentry->d_inode);
    path_put(&p);
    return result;
}

} // namespace

int init_mkdir(const char* pathname, u32 mode) { return do_mkdirat(LKM_AT_FDCWD, pathname, umask_mode(mode & S_IALLUGO)); }

int init_mknod(const char* filename, u32 mode, unsigned dev)
{
    u32 type = mode & S_IFMT;
    if (type != S_IFCHR && type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK)
        return -LKM_EINVAL;
    // Linux's new_decode_dev, as init/initramfs.c encodes it.
    unsigned major = (dev & 0xfff00) >> 8, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    return do_mknodat(LKM_AT_FDCWD, filename, type | umask_mode(mode & S_IALLUGO), MKDEV(major, minor));
}

int init_symlink(const char* oldname, const char* newname) { return do_symlinkat(oldname, LKM_AT_FDCWD, newname); }

int init_link(const char* oldname, const char* newname) { return do_linkat(LKM_AT_FDCWD, oldname, LKM_AT_FDCWD, newname, 0); }

int init_create_file(const char* pathname, u32 mode, const void* data, size_t size)
{
    int error = 0;
    file* f = do_filp_open(LKM_AT_FDCWD, pathname, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, mode, &error);
    if (!f)
        return error;
    if (size && !f->f_op->write_kernel)
        error = -LKM_EINVAL;
    if (size && !error) {
        ssize_t n = f->f_op->write_kernel(f, data, size, 0);
        error = n < 0 ? static_cast<int>(n) : 0;
    }
    fput(f);
    return error;
}

int init_chown(const char* filename, u32 uid, u32 gid)
{
    return with_inode(filename, [&](inode* i) {
        if (uid != static_cast<u32>(-1))
            i->i_uid = uid;
        if (gid != static_cast<u32>(-1))
            i->i_gid = gid;
        i->i_ctime = current_time();
        return 0;
    });
}

int init_chmod(const char* filename, u32 mode)
{
    return with_inode(filename, [&](inode* i) {
        i->i_mode = (i->i_mode & S_IFMT) | (mode & S_IALLUGO);
        i->i_ctime = current_time();
        return 0;
    });
}

int init_utimes(const char* filename, s64 mtime_seconds)
{
    return with_inode(filename, [&](inode* i) {
        i->i_atime = i->i_mtime = mtime_seconds;
        return 0;
    });
}

int init_unlink(const char* pathname) { return do_unlinkat(LKM_AT_FDCWD, pathname); }
int init_rmdir(const char* pathname) { return do_rmdir(LKM_AT_FDCWD, pathname); }
