// procfs (Linux's fs/proc/): a tree of generated read-only text files. The tree lives in the
// dentry cache as ramfs's does, but users cannot change it (its directories have no create,
// mkdir or unlink: EPERM). A file's text is produced when it is opened, so a reader sees one
// consistent snapshot however many read() calls it takes.
#include "../internal.h"

#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/string.h>

namespace {

const file_system_type proc_fs_type = { "proc", 0x9fa0 };
super_block* g_proc_sb;

struct proc_snapshot {
    char* text;
    size_t length;
};

int proc_open(file* f)
{
    if ((f->f_flags & O_ACCMODE) != O_RDONLY)
        return -LKM_EACCES;
    auto show = reinterpret_cast<proc_show_fn>(file_inode(f)->i_private);
    ssize_t needed = show(nullptr, 0);
    if (needed < 0)
        return static_cast<int>(needed);
    auto* snapshot = static_cast<proc_snapshot*>(kmalloc(sizeof(proc_snapshot)));
    char* text = static_cast<char*>(kmalloc(static_cast<size_t>(needed) + 1));
    if (!snapshot || !text) {
        kfree(snapshot);
        kfree(text);
        return -LKM_ENOMEM;
    }
    ssize_t length = show(text, static_cast<size_t>(needed) + 1);
    *snapshot = { text, static_cast<size_t>(length < 0 ? 0 : min(length, needed)) };
    f->private_data = snapshot;
    return 0;
}

ssize_t proc_read_iter(file* f, u64 user_buf, size_t count, u64* pos)
{
    auto* snapshot = static_cast<proc_snapshot*>(f->private_data);
    if (*pos >= snapshot->length)
        return 0;
    size_t n = min<size_t>(count, snapshot->length - *pos);
    if (copy_to_user(user_buf, snapshot->text + *pos, n))
        return -LKM_EFAULT;
    *pos += n;
    return static_cast<ssize_t>(n);
}

ssize_t proc_read(file* f, u64 user_buf, size_t count) { return proc_read_iter(f, user_buf, count, &f->f_pos); }

long proc_llseek(file* f, s64 offset, int whence)
{
    auto* snapshot = static_cast<proc_snapshot*>(f->private_data);
    s64 base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? static_cast<s64>(f->f_pos)
             : whence == SEEK_END ? static_cast<s64>(snapshot->length) : -1;
    if (base < 0 || base + offset < 0)
        return -LKM_EINVAL;
    f->f_pos = static_cast<u64>(base + offset);
    return static_cast<long>(f->f_pos);
}

void proc_release(file* f)
{
    auto* snapshot = static_cast<proc_snapshot*>(f->private_data);
    kfree(snapshot->text);
    kfree(snapshot);
}

const file_operations proc_file_operations = {
    .open = proc_open,
    .read = proc_read,
    .write = nullptr,
    .release = proc_release,
    .llseek = proc_llseek,
    .read_kernel = nullptr,
    .read_iter = proc_read_iter,
    .write_iter = nullptr,
    .iterate = nullptr,
    .unlocked_ioctl = nullptr,
};

const inode_operations proc_dir_inode_operations = {}; // fixed by the kernel: EPERM for users
const inode_operations proc_file_inode_operations = {};

inode* proc_inode(u32 mode)
{
    inode* i = new_inode(g_proc_sb, mode);
    if (!i)
        return nullptr;
    i->i_uid = 0;
    if (S_ISDIR(mode)) {
        i->i_op = &proc_dir_inode_operations;
        i->i_fop = &dcache_dir_operations;
        i->i_nlink = 2;
    } else {
        i->i_op = &proc_file_inode_operations;
        i->i_fop = &proc_file_operations;
    }
    return i;
}

// The child of dir called name (a reference), made as an inode of mode if missing (a new one
// when create: an existing one is then -EEXIST).
lkm::ErrorOr<dentry*> proc_child(dentry* dir, const char* name, size_t length, u32 mode, bool exclusive)
{
    if (dentry* d = d_lookup(dir, name, length)) {
        if (d->d_inode && !exclusive)
            return d;
        bool exists = d->d_inode;
        dput(d);
        if (exists)
            return lkm::Error::from_errno(LKM_EEXIST, "proc: the name is taken");
    }
    dentry* d = d_alloc(dir, name, length);
    inode* i = d ? proc_inode(mode) : nullptr;
    if (!i) {
        if (d)
            dput(d);
        return lkm::Error::from_errno(LKM_ENOMEM, "proc: no memory");
    }
    d_instantiate(d, i);
    dget(d); // the pin
    if (S_ISDIR(mode))
        dir->d_inode->i_nlink++;
    return d;
}

} // namespace

super_block* proc_super()
{
    if (g_proc_sb)
        return g_proc_sb;
    super_block* sb = alloc_super(&proc_fs_type);
    if (!sb)
        return nullptr;
    g_proc_sb = sb;
    inode* root = proc_inode(S_IFDIR | 0555);
    if (!root)
        return nullptr;
    sb->s_root = d_alloc_root(sb, root);
    return sb->s_root ? sb : nullptr;
}

int register_proc_file(const char* path, proc_show_fn show)
{
    constexpr char prefix[] = "/proc/";
    if (!path || !show || strncmp(path, prefix, sizeof prefix - 1))
        return -LKM_EINVAL;
    if (!proc_super())
        return -LKM_ENOMEM;
    dentry* dir = dget(g_proc_sb->s_root);
    const char* name = path + sizeof prefix - 1;
    for (;;) {
        size_t length = 0;
        while (name[length] && name[length] != '/')
            length++;
        if (length == 0 || length > NAME_MAX) {
            dput(dir);
            return -LKM_EINVAL;
        }
        bool last = !name[length];
        auto child = proc_child(dir, name, length, last ? S_IFREG | 0444 : S_IFDIR | 0555, last);
        dput(dir);
        if (child.is_error())
            return -child.error().code;
        if (last) {
            child.value()->d_inode->i_private = reinterpret_cast<void*>(show);
            dput(child.value());
            return 0;
        }
        dir = child.value();
        if (!S_ISDIR(dir->d_inode->i_mode)) {
            dput(dir);
            return -LKM_ENOTDIR;
        }
        name += length + 1;
    }
}
