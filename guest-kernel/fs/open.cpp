// Opening (Linux's fs/open.c and the open half of fs/namei.c): the walk to the file (creating it
// for O_CREAT), the checks of the open flags against it, and the calls that take a path and
// change an inode's attributes (access, chmod, chown, truncate, chdir, umask).
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <asm/uaccess.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/syscalls.h>

namespace {

const file_operations empty_fops = {}; // an O_PATH file: no I/O at all

int acc_mask(u32 flags)
{
    u32 acc = flags & O_ACCMODE;
    return (acc != O_WRONLY ? MAY_READ : 0) | (acc != O_RDONLY ? MAY_WRITE : 0);
}

} // namespace

int vfs_truncate(inode* i, u64 length)
{
    if (S_ISDIR(i->i_mode))
        return -LKM_EISDIR;
    if (!S_ISREG(i->i_mode) || !i->i_op || !i->i_op->setsize)
        return -LKM_EINVAL;
    return i->i_op->setsize(i, length);
}

int may_open(const path* p, u32 flags)
{
    inode* i = p->dentry->d_inode;
    if (S_ISLNK(i->i_mode))
        return -LKM_ELOOP;
    if (S_ISDIR(i->i_mode) && (acc_mask(flags) & MAY_WRITE))
        return -LKM_EISDIR;
    if (S_ISDIR(i->i_mode) && (flags & O_CREAT))
        return -LKM_EISDIR;
    return inode_permission(i, acc_mask(flags));
}

file* dentry_open(const path* p, u32 flags, int* error)
{
    auto* f = static_cast<file*>(kmalloc(sizeof(file)));
    if (!f) {
        path_put(p);
        *error = -LKM_ENOMEM;
        return nullptr;
    }
    inode* i = p->dentry->d_inode;
    f->f_count = 1;
    f->f_flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
    f->f_path = *p;
    f->f_opened = i;
    ihold(i);
    f->f_inode = i;
    if (flags & O_PATH) {
        f->f_op = &empty_fops;
        return f;
    }
    f->f_op = i->i_fop ? i->i_fop : &empty_fops;
    if (!i->i_fop && !S_ISLNK(i->i_mode)) {
        fput(f);
        *error = -LKM_ENXIO; // a block device, fifo or socket: no driver for it here
        return nullptr;
    }
    int result = f->f_op->open ? f->f_op->open(f) : 0;
    if (result < 0) {
        f->f_op = &empty_fops; // the open failed: no release
        fput(f);
        *error = result;
        return nullptr;
    }
    return f;
}

file* do_filp_open(int dfd, const char* name, u32 flags, u32 mode, int* error)
{
    if ((flags & O_ACCMODE) == O_ACCMODE && !(flags & O_PATH)) {
        *error = -LKM_EINVAL;
        return nullptr;
    }
    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    path p {};
    bool created = false;
    if (flags & O_CREAT) {
        nameidata nd;
        if ((*error = filename_parentat(dfd, name, nd)))
            return nullptr;
        if (nd.type != last_type::norm || nd.trailing_slash) {
            *error = -LKM_EISDIR;
            return nullptr;
        }
        auto found = lookup_last(nd);
        if (found.is_error()) {
            *error = -found.error().code;
            return nullptr;
        }
        dentry* d = found.value();
        if (!d->d_inode) {
            inode* dir = nd.path.dentry->d_inode;
            int e = inode_permission(dir, MAY_WRITE | MAY_EXEC);
            if (!e && !dir->i_op->create)
                e = -LKM_EACCES;
            if (!e)
                e = dir->i_op->create(dir, d, (mode & S_IALLUGO & ~current_fs()->umask) | S_IFREG);
            if (e) {
                dput(d);
                *error = e;
                return nullptr;
            }
            created = true;
            p = { nd.path.mnt, d };
        } else if (flags & O_EXCL) {
            dput(d);
            *error = -LKM_EEXIST;
            return nullptr;
        } else if (S_ISLNK(d->d_inode->i_mode) && !(flags & O_NOFOLLOW)) {
            // An existing symlink is followed (its target must exist here).
            dput(d);
            if ((*error = filename_lookup(dfd, name, LOOKUP_FOLLOW, &p)))
                return nullptr;
        } else {
            p = { nd.path.mnt, d }; // lookup_last's reference passes to p
        }
    } else {
        unsigned lookup = (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
        if ((*error = filename_lookup(dfd, name, lookup, &p)))
            return nullptr;
    }
    inode* i = p.dentry->d_inode;
    int e = 0;
    if ((flags & O_DIRECTORY) && !S_ISDIR(i->i_mode))
        e = -LKM_ENOTDIR;
    else if (flags & O_PATH)
        e = 0;
    else if (!created)
        e = may_open(&p, flags);
    if (!e && (flags & O_TRUNC) && !created && S_ISREG(i->i_mode) && (acc_mask(flags) & MAY_WRITE))
        e = vfs_truncate(i, 0);
    if (e) {
        path_put(&p);
        *error = e;
        return nullptr;
    }
    return dentry_open(&p, flags, error);
}

file* vfs_open(const char* name, u32 flags, int* error) { return do_filp_open(LKM_AT_FDCWD, name, flags, 0, error); }

file* fget_checked(int fd, bool path_ok)
{
    file* f = fd_get(fd);
    if (!f || (!path_ok && (f->f_flags & O_PATH)))
        return nullptr;
    return f;
}

// --- the system calls ---------------------------------------------------------------------------

long sys_openat(int dfd, u64 filename, int flags, unsigned mode)
{
    auto name = getname(filename);
    if (name.is_error())
        return -name.error().code;
    int fd = alloc_fd(0, flags & O_CLOEXEC);
    if (fd < 0)
        return fd;
    int error = 0;
    file* f = do_filp_open(dfd, name.value().get(), static_cast<u32>(flags) | O_LARGEFILE, mode, &error);
    if (!f) {
        put_unused_fd(fd);
        return error;
    }
    fd_install_at(fd, f);
    return fd;
}

long sys_open(u64 filename, int flags, unsigned mode) { return sys_openat(LKM_AT_FDCWD, filename, flags, mode); }
long sys_creat(u64 pathname, unsigned mode) { return sys_open(pathname, O_CREAT | O_WRONLY | O_TRUNC, mode); }

long sys_close(unsigned fd)
{
    file* f = fd_remove(static_cast<int>(fd));
    if (!f)
        return -LKM_EBADF;
    fput(f);
    return 0;
}

namespace {

// A path argument as the *at calls take it: dfd, a user name, AT_* flags.
int user_path_at(int dfd, u64 user_name, unsigned lookup, path* out)
{
    auto name = getname_flags(user_name, lookup & LOOKUP_EMPTY);
    if (name.is_error())
        return -name.error().code;
    return filename_lookup(dfd, name.value().get(), lookup, out);
}

struct path_ref {
    path p {};
    ~path_ref()
    {
        if (p.dentry)
            path_put(&p);
    }
};

bool owner_or_root(const inode* i) { return current()->euid == 0 || current()->euid == i->i_uid; }

int chmod_common(inode* i, unsigned mode)
{
    if (!owner_or_root(i))
        return -LKM_EPERM;
    i->i_mode = (i->i_mode & S_IFMT) | (mode & S_IALLUGO);
    i->i_ctime = current_time();
    return 0;
}

int chown_common(inode* i, unsigned uid, unsigned gid)
{
    // Only root gives a file away (Linux without CAP_CHOWN for anyone else).
    if (current()->euid != 0 && (uid != static_cast<unsigned>(-1) && uid != i->i_uid))
        return -LKM_EPERM;
    if (current()->euid != 0 && !owner_or_root(i))
        return -LKM_EPERM;
    if (uid != static_cast<unsigned>(-1))
        i->i_uid = uid;
    if (gid != static_cast<unsigned>(-1))
        i->i_gid = gid;
    i->i_ctime = current_time();
    return 0;
}

} // namespace

long sys_faccessat2(int dfd, u64 filename, int mode, int flags)
{
    if (mode & ~7 || flags & ~(LKM_AT_SYMLINK_NOFOLLOW | LKM_AT_EACCESS | LKM_AT_EMPTY_PATH))
        return -LKM_EINVAL;
    path_ref p;
    unsigned lookup = (flags & LKM_AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) | (flags & LKM_AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
    if (int error = user_path_at(dfd, filename, lookup, &p.p))
        return error;
    if (mode == 0)
        return 0;
    // The real uid is what access(2) checks; euid 0 with uid 0 is the usual case here.
    return inode_permission(p.p.dentry->d_inode, mode);
}
long sys_faccessat(int dfd, u64 filename, int mode) { return sys_faccessat2(dfd, filename, mode, 0); }
long sys_access(u64 filename, int mode) { return sys_faccessat2(LKM_AT_FDCWD, filename, mode, 0); }

long sys_chdir(u64 filename)
{
    path p;
    if (int error = user_path_at(LKM_AT_FDCWD, filename, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p))
        return error;
    if (int error = inode_permission(p.dentry->d_inode, MAY_EXEC)) {
        path_put(&p);
        return error;
    }
    set_fs_pwd(current_fs(), &p);
    return 0;
}

long sys_fchdir(unsigned fd)
{
    file* f = fget_checked(static_cast<int>(fd), true);
    if (!f)
        return -LKM_EBADF;
    if (!S_ISDIR(file_inode(f)->i_mode))
        return -LKM_ENOTDIR;
    if (int error = inode_permission(file_inode(f), MAY_EXEC))
        return error;
    path_get(&f->f_path);
    set_fs_pwd(current_fs(), &f->f_path);
    return 0;
}

long sys_fchmodat(int dfd, u64 filename, unsigned mode)
{
    path_ref p;
    if (int error = user_path_at(dfd, filename, LOOKUP_FOLLOW, &p.p))
        return error;
    return chmod_common(p.p.dentry->d_inode, mode);
}
long sys_chmod(u64 filename, unsigned mode) { return sys_fchmodat(LKM_AT_FDCWD, filename, mode); }

long sys_fchmod(unsigned fd, unsigned mode)
{
    file* f = fget_checked(static_cast<int>(fd), false);
    return f ? chmod_common(file_inode(f), mode) : -LKM_EBADF;
}

long sys_fchownat(int dfd, u64 filename, unsigned user, unsigned group, int flag)
{
    if (flag & ~(LKM_AT_SYMLINK_NOFOLLOW | LKM_AT_EMPTY_PATH))
        return -LKM_EINVAL;
    path_ref p;
    unsigned lookup = (flag & LKM_AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) | (flag & LKM_AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
    if (int error = user_path_at(dfd, filename, lookup, &p.p))
        return error;
    return chown_common(p.p.dentry->d_inode, user, group);
}
long sys_chown(u64 filename, unsigned user, unsigned group) { return sys_fchownat(LKM_AT_FDCWD, filename, user, group, 0); }
long sys_lchown(u64 filename, unsigned user, unsigned group)
{
    return sys_fchownat(LKM_AT_FDCWD, filename, user, group, LKM_AT_SYMLINK_NOFOLLOW);
}

long sys_fchown(unsigned fd, unsigned user, unsigned group)
{
    file* f = fget_checked(static_cast<int>(fd), false);
    return f ? chown_common(file_inode(f), user, group) : -LKM_EBADF;
}

long sys_truncate(u64 filename, s64 length)
{
    if (length < 0)
        return -LKM_EINVAL;
    path_ref p;
    if (int error = user_path_at(LKM_AT_FDCWD, filename, LOOKUP_FOLLOW, &p.p))
        return error;
    inode* i = p.p.dentry->d_inode;
    if (int error = inode_permission(i, MAY_WRITE))
        return error;
    return vfs_truncate(i, static_cast<u64>(length));
}

long sys_ftruncate(unsigned fd, s64 length)
{
    if (length < 0)
        return -LKM_EINVAL;
    file* f = fget_checked(static_cast<int>(fd), false);
    if (!f)
        return -LKM_EBADF;
    if ((f->f_flags & O_ACCMODE) == O_RDONLY)
        return -LKM_EINVAL; // Linux: not open for writing
    return vfs_truncate(file_inode(f), static_cast<u64>(length));
}

long sys_umask(int mask)
{
    fs_struct* fs = current_fs();
    u32 old = fs->umask;
    fs->umask = static_cast<u32>(mask) & 0777;
    return old;
}

long sys_getcwd(u64 buf, size_t size)
{
    KBuffer<char> page(PATH_MAX);
    if (!page)
        return -LKM_ENOMEM;
    fs_struct* fs = current_fs();
    if (fs->pwd.dentry->d_flags & DCACHE_UNHASHED && fs->pwd.dentry != fs->pwd.mnt->mnt_root)
        return -LKM_ENOENT; // the directory was removed
    const char* at = d_path(&fs->pwd, &fs->root, page.get(), PATH_MAX);
    if (!at)
        return -LKM_ENAMETOOLONG;
    size_t length = strlen(at) + 1;
    if (length > size)
        return -LKM_ERANGE;
    if (copy_to_user(buf, at, length))
        return -LKM_EFAULT;
    return static_cast<long>(length);
}
