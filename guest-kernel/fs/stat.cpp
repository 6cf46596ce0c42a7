// stat and friends, and readlink (Linux's fs/stat.c): an inode's attributes in the user ABI's
// layouts (abi/lkmemu/stat.h).
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <lkmemu/stat.h>
#include <asm/uaccess.h>
#include <kernel/syscalls.h>

namespace {

constexpr u32 BLKSIZE = 4096;

// Linux's new_encode_dev: how a device number reads in struct stat.
u64 encode_dev(u32 dev)
{
    unsigned major = MAJOR(dev), minor = MINOR(dev);
    return (minor & 0xff) | (major << 8) | (static_cast<u64>(minor & ~0xffu) << 12);
}

u64 blocks_of(const inode* i) { return (i->i_size + 511) / 512; }

void fill_stat(const inode* i, lkm_stat* st)
{
    *st = {};
    st->st_dev = encode_dev(i->i_sb ? i->i_sb->s_dev : 0);
    st->st_ino = i->i_ino;
    st->st_nlink = i->i_nlink;
    st->st_mode = i->i_mode;
    st->st_uid = i->i_uid;
    st->st_gid = i->i_gid;
    st->st_rdev = encode_dev(i->i_rdev);
    st->st_size = static_cast<s64>(i->i_size);
    st->st_blksize = BLKSIZE;
    st->st_blocks = static_cast<s64>(blocks_of(i));
    st->st_atime_sec = static_cast<u64>(i->i_atime);
    st->st_mtime_sec = static_cast<u64>(i->i_mtime);
    st->st_ctime_sec = static_cast<u64>(i->i_ctime);
}

// The inode a *stat call names: a path from dfd, or dfd itself for "" with AT_EMPTY_PATH. Holds
// the path's reference while the caller reads the inode.
struct stat_target {
    path p {};
    inode* i = nullptr;
    ~stat_target()
    {
        if (p.dentry)
            path_put(&p);
    }
};

int resolve(int dfd, u64 filename, int flags, stat_target& t)
{
    if (flags & ~(LKM_AT_SYMLINK_NOFOLLOW | LKM_AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */ | 0x6000 /* AT_STATX_* */))
        return -LKM_EINVAL;
    auto name = getname_flags(filename, flags & LKM_AT_EMPTY_PATH);
    if (name.is_error())
        return -name.error().code;
    if (name.value().get()[0] == '\0') {
        file* f = dfd == LKM_AT_FDCWD ? nullptr : fget_checked(dfd, true);
        if (dfd == LKM_AT_FDCWD) {
            t.p = current_fs()->pwd;
            path_get(&t.p);
            t.i = t.p.dentry->d_inode;
            return 0;
        }
        if (!f)
            return -LKM_EBADF;
        t.i = file_inode(f);
        return 0;
    }
    unsigned lookup = flags & LKM_AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW;
    if (int error = filename_lookup(dfd, name.value().get(), lookup, &t.p))
        return error;
    t.i = t.p.dentry->d_inode;
    return 0;
}

long stat_to_user(const inode* i, u64 statbuf)
{
    lkm_stat st;
    fill_stat(i, &st);
    return copy_to_user(statbuf, &st, sizeof st) ? -LKM_EFAULT : 0;
}

} // namespace

long sys_newfstatat(int dfd, u64 filename, u64 statbuf, int flag)
{
    stat_target t;
    if (int error = resolve(dfd, filename, flag, t))
        return error;
    return stat_to_user(t.i, statbuf);
}

long sys_stat(u64 filename, u64 statbuf) { return sys_newfstatat(LKM_AT_FDCWD, filename, statbuf, 0); }
long sys_lstat(u64 filename, u64 statbuf) { return sys_newfstatat(LKM_AT_FDCWD, filename, statbuf, LKM_AT_SYMLINK_NOFOLLOW); }

long sys_fstat(unsigned fd, u64 statbuf)
{
    file* f = fget_checked(static_cast<int>(fd), true);
    return f ? stat_to_user(file_inode(f), statbuf) : -LKM_EBADF;
}

long sys_statx(int dfd, u64 filename, unsigned flags, unsigned mask, u64 buffer)
{
    (void)mask; // everything basic is always there
    stat_target t;
    if (int error = resolve(dfd, filename, static_cast<int>(flags), t))
        return error;
    const inode* i = t.i;
    lkm_statx stx {};
    stx.stx_mask = LKM_STATX_BASIC_STATS;
    stx.stx_blksize = BLKSIZE;
    stx.stx_nlink = i->i_nlink;
    stx.stx_uid = i->i_uid;
    stx.stx_gid = i->i_gid;
    stx.stx_mode = static_cast<u16>(i->i_mode);
    stx.stx_ino = i->i_ino;
    stx.stx_size = i->i_size;
    stx.stx_blocks = blocks_of(i);
    stx.stx_atime.tv_sec = i->i_atime;
    stx.stx_mtime.tv_sec = i->i_mtime;
    stx.stx_ctime.tv_sec = i->i_ctime;
    stx.stx_rdev_major = MAJOR(i->i_rdev);
    stx.stx_rdev_minor = MINOR(i->i_rdev);
    u32 dev = i->i_sb ? i->i_sb->s_dev : 0;
    stx.stx_dev_major = MAJOR(dev);
    stx.stx_dev_minor = MINOR(dev);
    return copy_to_user(buffer, &stx, sizeof stx) ? -LKM_EFAULT : 0;
}

long sys_readlinkat(int dfd, u64 pathname, u64 buf, int bufsiz)
{
    if (bufsiz <= 0)
        return -LKM_EINVAL;
    stat_target t;
    if (int error = resolve(dfd, pathname, LKM_AT_EMPTY_PATH | LKM_AT_SYMLINK_NOFOLLOW, t))
        return error;
    if (!t.p.dentry || !S_ISLNK(t.i->i_mode) || !t.i->i_op->get_link)
        return -LKM_EINVAL;
    KBuffer<char> target(PATH_MAX);
    if (!target)
        return -LKM_ENOMEM;
    long length = t.i->i_op->get_link(t.p.dentry, target.get(), PATH_MAX);
    if (length < 0)
        return length;
    size_t n = min(static_cast<size_t>(length), static_cast<size_t>(bufsiz)); // not NUL-terminated
    return copy_to_user(buf, target.get(), n) ? -LKM_EFAULT : static_cast<long>(n);
}

long sys_readlink(u64 pathname, u64 buf, int bufsiz) { return sys_readlinkat(LKM_AT_FDCWD, pathname, buf, bufsiz); }
