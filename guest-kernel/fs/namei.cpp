// The path walk (Linux's fs/namei.c): a path is walked a component at a time from the root or a
// starting directory. `.` stays, `..` goes to the parent (crossing back over a mount at a
// mount's root, never above the task's root), a mounted-on directory is replaced by what is
// mounted there, and a symlink met in the middle (or at the end, when followed) is spliced into
// the rest of the path, at most 40 of them per walk (ELOOP). Every directory passed needs search
// (x) permission.
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <asm/uaccess.h>
#include <kernel/sched.h>
#include <kernel/string.h>

namespace {
constexpr unsigned MAXSYMLINKS = 40; // Linux's
}

lkm::ErrorOr<KBuffer<char>> getname_flags(u64 user_path, bool allow_empty)
{
    // Not on the stack: PATH_MAX is a quarter of the kernel stack.
    KBuffer<char> name(PATH_MAX);
    if (!name)
        return lkm::Error::from_errno(LKM_ENOMEM, "getname: no memory for the path");
    long length = strncpy_from_user(name.get(), user_path, PATH_MAX);
    if (length < 0)
        return lkm::Error::from_errno(static_cast<int>(-length), "getname: the path is not readable");
    if (static_cast<size_t>(length) == PATH_MAX)
        return lkm::Error::from_errno(LKM_ENAMETOOLONG, "getname: the path is longer than PATH_MAX");
    if (length == 0 && !allow_empty)
        return lkm::Error::from_errno(LKM_ENOENT, "getname: the path is empty");
    return name;
}

lkm::ErrorOr<KBuffer<char>> getname(u64 user_path) { return getname_flags(user_path, false); }

u32 current_fsuid()
{
    const task_struct* task = current();
    return task ? task->euid : 0;
}

int inode_permission(const inode* i, int mask)
{
    u32 fsuid = current_fsuid();
    if (fsuid == 0) {
        // Root may do anything but execute a file nobody may execute.
        if ((mask & MAY_EXEC) && !S_ISDIR(i->i_mode) && !(i->i_mode & 0111))
            return -LKM_EACCES;
        return 0;
    }
    u32 mode = i->i_mode;
    if (fsuid == i->i_uid)
        mode >>= 6;
    // (Tasks have no group ids yet: everyone else gets the "other" bits.)
    return (mode & static_cast<u32>(mask) & 7) == static_cast<u32>(mask) ? 0 : -LKM_EACCES;
}

nameidata::~nameidata()
{
    if (path.dentry)
        path_put(&path);
    if (root.dentry)
        path_put(&root);
}

namespace {

bool path_equal(const path& a, const path& b) { return a.mnt == b.mnt && a.dentry == b.dentry; }

// Into whatever is mounted on nd.path, repeatedly (mounts stack).
void follow_mount(path& p)
{
    while (vfsmount* m = lookup_mnt(&p)) {
        dput(p.dentry);
        p = { m, dget(m->mnt_root) };
    }
}

void follow_dotdot(nameidata& nd)
{
    for (;;) {
        if (path_equal(nd.path, nd.root))
            break;
        if (nd.path.dentry != nd.path.mnt->mnt_root) {
            dentry* parent = dget(nd.path.dentry->d_parent);
            dput(nd.path.dentry);
            nd.path.dentry = parent;
            break;
        }
        vfsmount* mnt = nd.path.mnt;
        if (mnt->mnt_parent == mnt)
            break; // the root of everything
        dput(nd.path.dentry);
        nd.path = { mnt->mnt_parent, dget(mnt->mnt_mountpoint) };
    }
    follow_mount(nd.path);
}

int path_init(nameidata& nd, int dfd, const char* name, unsigned flags)
{
    fs_struct* fs = current_fs();
    nd.root = fs->root;
    path_get(&nd.root);
    if (*name == '/') {
        nd.path = nd.root;
        path_get(&nd.path);
        return 0;
    }
    if (dfd == LKM_AT_FDCWD) {
        nd.path = fs->pwd;
        path_get(&nd.path);
        return 0;
    }
    file* f = fd_get(dfd);
    if (!f)
        return -LKM_EBADF;
    if (!S_ISDIR(file_inode(f)->i_mode) && !(*name == '\0' && (flags & LOOKUP_EMPTY)))
        return -LKM_ENOTDIR;
    nd.path = f->f_path;
    path_get(&nd.path);
    return 0;
}

// Replaces the walk's name with link's target followed by rest; restarts at the root for an
// absolute target. The new name, or nullptr with *error.
const char* splice_link(nameidata& nd, dentry* link, const char* rest, int* error)
{
    if (++nd.total_link_count > MAXSYMLINKS) {
        *error = -LKM_ELOOP;
        return nullptr;
    }
    int into = nd.holding == 0 ? 1 : 0;
    if (!nd.buf[into]) {
        nd.buf[into] = KBuffer<char>(PATH_MAX);
        if (!nd.buf[into]) {
            *error = -LKM_ENOMEM;
            return nullptr;
        }
    }
    char* buf = nd.buf[into].get();
    long length = link->d_inode->i_op->get_link(link, buf, PATH_MAX);
    if (length < 0) {
        *error = static_cast<int>(length);
        return nullptr;
    }
    size_t rest_len = strlen(rest);
    if (static_cast<size_t>(length) + 1 + rest_len + 1 > PATH_MAX) {
        *error = -LKM_ENAMETOOLONG;
        return nullptr;
    }
    if (rest_len) {
        buf[length] = '/';
        memcpy(buf + length + 1, rest, rest_len + 1);
    }
    nd.holding = into;
    if (buf[0] == '/') {
        path_put(&nd.path);
        nd.path = nd.root;
        path_get(&nd.path);
    }
    return buf;
}

// A child of nd.path by name: a reference to a positive dentry, or nullptr (ENOENT). Every file
// system here keeps its tree in the cache, so a name not in it does not exist.
dentry* lookup_child(nameidata& nd, const char* name, size_t len)
{
    dentry* d = d_lookup(nd.path.dentry, name, len);
    if (d && d_is_negative(d)) {
        dput(d);
        return nullptr;
    }
    return d;
}

// Walks every component but the last; leaves that one in nd.last.
int link_path_walk(nameidata& nd, const char* name)
{
    nd.trailing_slash = false;
    for (;;) {
        while (*name == '/')
            name++;
        if (!*name) {
            nd.type = last_type::root;
            nd.last = name;
            nd.last_len = 0;
            return 0;
        }
        inode* dir = nd.path.dentry->d_inode;
        if (!S_ISDIR(dir->i_mode))
            return -LKM_ENOTDIR;
        if (int error = inode_permission(dir, MAY_EXEC))
            return error;
        size_t len = 0;
        while (name[len] && name[len] != '/')
            len++;
        if (len > NAME_MAX)
            return -LKM_ENAMETOOLONG;
        const char* rest = name + len;
        while (*rest == '/')
            rest++;
        last_type type = len == 1 && name[0] == '.'                    ? last_type::dot
                         : len == 2 && name[0] == '.' && name[1] == '.' ? last_type::dotdot
                                                                        : last_type::norm;
        if (!*rest) {
            nd.last = name;
            nd.last_len = len;
            nd.type = type;
            nd.trailing_slash = name[len] == '/';
            return 0;
        }
        if (type == last_type::dot) {
            name = rest;
            continue;
        }
        if (type == last_type::dotdot) {
            follow_dotdot(nd);
            name = rest;
            continue;
        }
        dentry* child = lookup_child(nd, name, len);
        if (!child)
            return -LKM_ENOENT;
        if (S_ISLNK(child->d_inode->i_mode)) {
            int error = 0;
            name = splice_link(nd, child, rest, &error);
            dput(child);
            if (!name)
                return error;
            continue;
        }
        dput(nd.path.dentry);
        nd.path.dentry = child;
        follow_mount(nd.path);
        name = rest;
    }
}

int path_lookupat(nameidata& nd, const char* name, unsigned flags)
{
    for (;;) {
        if (int error = link_path_walk(nd, name))
            return error;
        if (nd.type == last_type::dotdot)
            follow_dotdot(nd);
        if (nd.type != last_type::norm)
            break;
        dentry* child = lookup_child(nd, nd.last, nd.last_len);
        if (!child)
            return -LKM_ENOENT;
        if (S_ISLNK(child->d_inode->i_mode) && ((flags & LOOKUP_FOLLOW) || nd.trailing_slash)) {
            int error = 0;
            name = splice_link(nd, child, nd.trailing_slash ? "." : "", &error);
            dput(child);
            if (!name)
                return error;
            continue;
        }
        dput(nd.path.dentry);
        nd.path.dentry = child;
        follow_mount(nd.path);
        break;
    }
    bool want_dir = (flags & LOOKUP_DIRECTORY) || nd.trailing_slash;
    if (want_dir && !S_ISDIR(nd.path.dentry->d_inode->i_mode))
        return -LKM_ENOTDIR;
    return 0;
}

} // namespace

int filename_lookup(int dfd, const char* name, unsigned flags, path* out)
{
    nameidata nd;
    if (int error = path_init(nd, dfd, name, flags))
        return error;
    if (int error = path_lookupat(nd, name, flags))
        return error;
    *out = nd.path;
    nd.path = {};
    return 0;
}

int filename_parentat(int dfd, const char* name, nameidata& nd)
{
    if (int error = path_init(nd, dfd, name, 0))
        return error;
    int error = link_path_walk(nd, name);
    if (error)
        return error;
    if (!S_ISDIR(nd.path.dentry->d_inode->i_mode))
        return -LKM_ENOTDIR;
    return 0;
}

lkm::ErrorOr<dentry*> lookup_last(nameidata& nd)
{
    if (dentry* d = d_lookup(nd.path.dentry, nd.last, nd.last_len))
        return d;
    dentry* d = d_alloc(nd.path.dentry, nd.last, nd.last_len);
    if (!d)
        return lkm::Error::from_errno(LKM_ENOMEM, "lookup: no memory for a dentry");
    return d;
}

char* d_path(const path* p, const path* root, char* buf, size_t size)
{
    char* end = buf + size;
    *--end = '\0';
    path at = *p;
    bool any = false;
    for (;;) {
        if (path_equal(at, *root))
            break;
        if (at.dentry == at.mnt->mnt_root) {
            if (at.mnt->mnt_parent == at.mnt)
                break;
            at = { at.mnt->mnt_parent, at.mnt->mnt_mountpoint };
            continue;
        }
        const dentry* d = at.dentry;
        if (static_cast<size_t>(end - buf) < d->d_len + 2)
            return nullptr;
        end -= d->d_len;
        memcpy(end, d->d_name, d->d_len);
        *--end = '/';
        any = true;
        at.dentry = d->d_parent;
    }
    if (!any) {
        if (end == buf)
            return nullptr;
        *--end = '/';
    }
    return end;
}
