// Making and removing names (Linux's fs/namei.c, second half): mknod, mkdir, rmdir, unlink,
// symlink, link and rename, each as the VFS checks (the parent is a directory the caller may
// write and search, the name's state fits the call) around the file system's inode operation.
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <asm/uaccess.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/syscalls.h>

namespace {

// A dentry reference released at scope end.
struct dentry_ref {
    dentry* d = nullptr;
    dentry_ref() = default;
    explicit dentry_ref(dentry* d) : d(d) {}
    dentry_ref(const dentry_ref&) = delete;
    dentry_ref& operator=(const dentry_ref&) = delete;
    ~dentry_ref()
    {
        if (d)
            dput(d);
    }
};

int may_create(inode* dir) { return inode_permission(dir, MAY_WRITE | MAY_EXEC); }

// The parent of name and a dentry for its last component; EEXIST for ".", ".." and "/" (what
// Linux's filename_create says for them).
int create_prepare(int dfd, const char* name, nameidata& nd, dentry_ref& d)
{
    if (int error = filename_parentat(dfd, name, nd))
        return error;
    if (nd.type != last_type::norm)
        return -LKM_EEXIST;
    auto found = lookup_last(nd);
    if (found.is_error())
        return -found.error().code;
    d.d = found.value();
    if (d.d->d_inode)
        return -LKM_EEXIST;
    return may_create(nd.path.dentry->d_inode);
}

// The parent and the existing dentry for a removal. EBUSY ("/"), EINVAL (rmdir "."),
// ENOTEMPTY (rmdir ".."), EISDIR/EPERM per Linux for unlink.
int remove_prepare(int dfd, const char* name, nameidata& nd, dentry_ref& d, bool dir)
{
    if (int error = filename_parentat(dfd, name, nd))
        return error;
    switch (nd.type) {
    case last_type::root: return -LKM_EBUSY;
    case last_type::dot: return dir ? -LKM_EINVAL : -LKM_EISDIR;
    case last_type::dotdot: return dir ? -LKM_ENOTEMPTY : -LKM_EISDIR;
    case last_type::norm: break;
    }
    if (!dir && nd.trailing_slash)
        return -LKM_ENOTDIR; // "file/" names a directory
    d.d = d_lookup(nd.path.dentry, nd.last, nd.last_len);
    if (!d.d || !d.d->d_inode)
        return -LKM_ENOENT;
    if (int error = may_create(nd.path.dentry->d_inode))
        return error;
    path here = { nd.path.mnt, d.d };
    if (lookup_mnt(&here) || d.d == nd.path.mnt->mnt_root)
        return -LKM_EBUSY; // a mount point
    return 0;
}

} // namespace

int do_mknodat(int dfd, const char* name, u32 mode, u32 dev)
{
    nameidata nd;
    dentry_ref d;
    if (int error = create_prepare(dfd, name, nd, d))
        return error;
    inode* dir = nd.path.dentry->d_inode;
    if (!dir->i_op->mknod)
        return -LKM_EPERM;
    return dir->i_op->mknod(dir, d.d, mode, dev);
}

int do_mkdirat(int dfd, const char* name, u32 mode)
{
    nameidata nd;
    dentry_ref d;
    if (int error = create_prepare(dfd, name, nd, d))
        return error;
    inode* dir = nd.path.dentry->d_inode;
    if (!dir->i_op->mkdir)
        return -LKM_EPERM;
    return dir->i_op->mkdir(dir, d.d, mode);
}

int do_symlinkat(const char* target, int dfd, const char* name)
{
    nameidata nd;
    dentry_ref d;
    if (int error = create_prepare(dfd, name, nd, d))
        return error;
    inode* dir = nd.path.dentry->d_inode;
    if (!dir->i_op->symlink)
        return -LKM_EPERM;
    return dir->i_op->symlink(dir, d.d, target);
}

int do_rmdir(int dfd, const char* name)
{
    nameidata nd;
    dentry_ref d;
    if (int error = remove_prepare(dfd, name, nd, d, true))
        return error;
    if (!S_ISDIR(d.d->d_inode->i_mode))
        return -LKM_ENOTDIR;
    inode* dir = nd.path.dentry->d_inode;
    if (!dir->i_op->rmdir)
        return -LKM_EPERM;
    return dir->i_op->rmdir(dir, d.d);
}

int do_unlinkat(int dfd, const char* name)
{
    nameidata nd;
    dentry_ref d;
    if (int error = remove_prepare(dfd, name, nd, d, false))
        return error;
    if (S_ISDIR(d.d->d_inode->i_mode))
        return -LKM_EISDIR;
    inode* dir = nd.path.dentry->d_inode;
    if (!dir->i_op->unlink)
        return -LKM_EPERM;
    return dir->i_op->unlink(dir, d.d);
}

int do_linkat(int olddfd, const char* oldname, int newdfd, const char* newname, unsigned flags)
{
    path old;
    unsigned lookup = (flags & LKM_AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0) | (flags & LKM_AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
    if (int error = filename_lookup(olddfd, oldname, lookup, &old))
        return error;
    dentry_ref old_ref(old.dentry);
    nameidata nd;
    dentry_ref d;
    if (int error = create_prepare(newdfd, newname, nd, d))
        return error;
    if (nd.path.mnt->mnt_sb != old.mnt->mnt_sb)
        return -LKM_EXDEV;
    if (S_ISDIR(old.dentry->d_inode->i_mode))
        return -LKM_EPERM;
    inode* dir = nd.path.dentry->d_inode;
    if (!dir->i_op->link)
        return -LKM_EPERM;
    return dir->i_op->link(old.dentry, dir, d.d);
}

int do_renameat2(int olddfd, const char* oldname, int newdfd, const char* newname, unsigned flags)
{
    if (flags & ~LKM_RENAME_NOREPLACE)
        return -LKM_EINVAL;
    nameidata old_nd;
    dentry_ref old_d;
    if (int error = remove_prepare(olddfd, oldname, old_nd, old_d, true))
        return error == -LKM_EINVAL || error == -LKM_ENOTEMPTY ? -LKM_EBUSY : error;
    nameidata new_nd;
    if (int error = filename_parentat(newdfd, newname, new_nd))
        return error;
    if (new_nd.type != last_type::norm)
        return flags & LKM_RENAME_NOREPLACE ? -LKM_EEXIST : -LKM_EBUSY;
    if (new_nd.path.mnt != old_nd.path.mnt)
        return -LKM_EXDEV;
    auto found = lookup_last(new_nd);
    if (found.is_error())
        return -found.error().code;
    dentry_ref new_d(found.value());
    inode* old_dir = old_nd.path.dentry->d_inode;
    inode* new_dir = new_nd.path.dentry->d_inode;
    if (old_d.d == new_d.d)
        return 0;
    if (int error = may_create(new_dir))
        return error;
    bool is_dir = S_ISDIR(old_d.d->d_inode->i_mode);
    if (!is_dir && (old_nd.trailing_slash || new_nd.trailing_slash))
        return -LKM_ENOTDIR;
    if (inode* target = new_d.d->d_inode) {
        if (flags & LKM_RENAME_NOREPLACE)
            return -LKM_EEXIST;
        if (is_dir && !S_ISDIR(target->i_mode))
            return -LKM_ENOTDIR;
        if (!is_dir && S_ISDIR(target->i_mode))
            return -LKM_EISDIR;
        path there = { new_nd.path.mnt, new_d.d };
        if (lookup_mnt(&there))
            return -LKM_EBUSY;
    }
    // A directory cannot move below itself.
    if (is_dir) {
        for (dentry* p = new_nd.path.dentry;; p = p->d_parent) {
            if (p == old_d.d)
                return -LKM_EINVAL;
            if (p->d_parent == p)
                break;
        }
    }
    if (!old_dir->i_op->rename)
        return -LKM_EPERM;
    return old_dir->i_op->rename(old_dir, old_d.d, new_dir, new_d.d);
}

// --- the system calls ---------------------------------------------------------------------------

namespace {
u32 umask_mode(u32 mode) { return mode & ~current_fs()->umask; }
}

#define GETNAME(var, user)                                  \
    auto var##_name = getname(user);                        \
    if (var##_name.is_error())                              \
        return -var##_name.error().code;                    \
    const char* var = var##_name.value().get()

long sys_mknodat(int dfd, u64 filename, unsigned mode, unsigned dev)
{
    GETNAME(name, filename);
    u32 type = mode & S_IFMT;
    if (type == 0)
        mode |= S_IFREG, type = S_IFREG;
    if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO && type != S_IFSOCK)
        return -LKM_EINVAL;
    if ((type == S_IFCHR || type == S_IFBLK) && current()->euid != 0)
        return -LKM_EPERM;
    // Linux's new_decode_dev: the 32-bit user encoding (major 12 bits at 8, minor split).
    unsigned major = (dev & 0xfff00) >> 8, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    return do_mknodat(dfd, name, (mode & S_IFMT) | umask_mode(mode & S_IALLUGO), MKDEV(major, minor));
}
long sys_mknod(u64 filename, unsigned mode, unsigned dev) { return sys_mknodat(LKM_AT_FDCWD, filename, mode, dev); }

long sys_mkdirat(int dfd, u64 pathname, unsigned mode)
{
    GETNAME(name, pathname);
    return do_mkdirat(dfd, name, umask_mode(mode & S_IALLUGO));
}
long sys_mkdir(u64 pathname, unsigned mode) { return sys_mkdirat(LKM_AT_FDCWD, pathname, mode); }

long sys_rmdir(u64 pathname)
{
    GETNAME(name, pathname);
    return do_rmdir(LKM_AT_FDCWD, name);
}

long sys_unlinkat(int dfd, u64 pathname, int flag)
{
    if (flag & ~LKM_AT_REMOVEDIR)
        return -LKM_EINVAL;
    GETNAME(name, pathname);
    return flag & LKM_AT_REMOVEDIR ? do_rmdir(dfd, name) : do_unlinkat(dfd, name);
}
long sys_unlink(u64 pathname) { return sys_unlinkat(LKM_AT_FDCWD, pathname, 0); }

long sys_symlinkat(u64 oldname, int newdfd, u64 newname)
{
    GETNAME(target, oldname);
    GETNAME(name, newname);
    return do_symlinkat(target, newdfd, name);
}
long sys_symlink(u64 oldname, u64 newname) { return sys_symlinkat(oldname, LKM_AT_FDCWD, newname); }

long sys_linkat(int olddfd, u64 oldname, int newdfd, u64 newname, int flags)
{
    if (flags & ~(LKM_AT_SYMLINK_FOLLOW | LKM_AT_EMPTY_PATH))
        return -LKM_EINVAL;
    auto old_name = getname_flags(oldname, flags & LKM_AT_EMPTY_PATH);
    if (old_name.is_error())
        return -old_name.error().code;
    GETNAME(name, newname);
    return do_linkat(olddfd, old_name.value().get(), newdfd, name, static_cast<unsigned>(flags));
}
long sys_link(u64 oldname, u64 newname) { return sys_linkat(LKM_AT_FDCWD, oldname, LKM_AT_FDCWD, newname, 0); }

long sys_renameat2(int olddfd, u64 oldname, int newdfd, u64 newname, unsigned flags)
{
    GETNAME(from, oldname);
    GETNAME(to, newname);
    return do_renameat2(olddfd, from, newdfd, to, flags);
}
long sys_renameat(int olddfd, u64 oldname, int newdfd, u64 newname) { return sys_renameat2(olddfd, oldname, newdfd, newname, 0); }
long sys_rename(u64 oldname, u64 newname) { return sys_renameat2(LKM_AT_FDCWD, oldname, LKM_AT_FDCWD, newname, 0); }
