// ramfs (Linux's fs/ramfs/inode.c): a file system that is nothing but the dentry cache and the
// data pages of its files. Each name is pinned in the cache by a reference of ramfs's own, taken
// when the name is made and dropped when it is unlinked. It is the root file system, and, as
// devtmpfs, the tree under /dev.
#include "ramfs.h"

#include <lkmemu/errno.h>
#include <kernel/pipe_fs_i.h>
#include <kernel/slab.h>
#include <kernel/string.h>

const file_system_type ramfs_fs_type = { "ramfs", 0x858458f6 };
const file_system_type devtmpfs_fs_type = { "devtmpfs", 0x858458f6 };

namespace {

int ramfs_mknod(inode* dir, dentry* d, u32 mode, u32 dev)
{
    inode* i = ramfs_get_inode(dir->i_sb, mode, dev);
    if (!i)
        return -LKM_ENOSPC;
    d_instantiate(d, i);
    dget(d); // the pin: the name lives until it is unlinked
    dir->i_mtime = dir->i_ctime = current_time();
    return 0;
}

int ramfs_create(inode* dir, dentry* d, u32 mode) { return ramfs_mknod(dir, d, (mode & S_IALLUGO) | S_IFREG, 0); }

int ramfs_mkdir(inode* dir, dentry* d, u32 mode)
{
    int error = ramfs_mknod(dir, d, (mode & S_IALLUGO) | S_IFDIR, 0);
    if (!error)
        dir->i_nlink++; // the child's ..
    return error;
}

int ramfs_symlink(inode* dir, dentry* d, const char* target)
{
    size_t length = strlen(target);
    auto* copy = static_cast<char*>(kmalloc(length + 1));
    if (!copy)
        return -LKM_ENOMEM;
    memcpy(copy, target, length + 1);
    int error = ramfs_mknod(dir, d, S_IFLNK | 0777, 0);
    if (error) {
        kfree(copy);
        return error;
    }
    d->d_inode->i_private = copy;
    d->d_inode->i_size = length;
    return 0;
}

int simple_link(dentry* old, inode* dir, dentry* d)
{
    inode* i = old->d_inode;
    i->i_nlink++;
    i->i_ctime = dir->i_mtime = dir->i_ctime = current_time();
    ihold(i);
    d_instantiate(d, i);
    dget(d);
    return 0;
}

int simple_unlink(inode* dir, dentry* d)
{
    inode* i = d->d_inode;
    i->i_ctime = dir->i_mtime = dir->i_ctime = current_time();
    i->i_nlink--;
    d_delete(d);
    return 0;
}

int simple_rmdir(inode* dir, dentry* d)
{
    if (!simple_empty(d))
        return -LKM_ENOTEMPTY;
    d->d_inode->i_nlink = 0;
    dir->i_nlink--;
    dir->i_mtime = dir->i_ctime = current_time();
    d_delete(d);
    return 0;
}

int simple_rename(inode* old_dir, dentry* old_d, inode* new_dir, dentry* new_d)
{
    bool is_dir = S_ISDIR(old_d->d_inode->i_mode);
    if (new_d->d_inode && S_ISDIR(new_d->d_inode->i_mode) && !simple_empty(new_d))
        return -LKM_ENOTEMPTY;
    if (int error = d_move(old_d, new_d))
        return error;
    if (inode* victim = new_d->d_inode) {
        if (S_ISDIR(victim->i_mode)) {
            victim->i_nlink = 0;
            new_dir->i_nlink--;
        } else {
            victim->i_nlink--;
        }
        d_delete(new_d);
    }
    if (is_dir && old_dir != new_dir) {
        old_dir->i_nlink--;
        new_dir->i_nlink++;
    }
    old_dir->i_mtime = old_dir->i_ctime = new_dir->i_mtime = new_dir->i_ctime = current_time();
    old_d->d_inode->i_ctime = current_time();
    return 0;
}

long simple_get_link(dentry* d, char* buf, size_t size)
{
    const auto* target = static_cast<const char*>(d->d_inode->i_private);
    size_t length = d->d_inode->i_size;
    if (length + 1 > size)
        return -LKM_ENAMETOOLONG;
    memcpy(buf, target, length + 1);
    return static_cast<long>(length);
}

const inode_operations ramfs_symlink_inode_operations = {
    .create = nullptr, .mkdir = nullptr, .mknod = nullptr, .symlink = nullptr, .link = nullptr,
    .unlink = nullptr, .rmdir = nullptr, .rename = nullptr, .get_link = simple_get_link, .setsize = nullptr,
};

const inode_operations ramfs_special_inode_operations = {};

void ramfs_evict_inode(inode* i)
{
    if (S_ISREG(i->i_mode))
        ramfs_free_data(i);
    else if (S_ISLNK(i->i_mode))
        kfree(i->i_private);
}

} // namespace

const inode_operations ramfs_dir_inode_operations = {
    .create = ramfs_create, .mkdir = ramfs_mkdir, .mknod = ramfs_mknod, .symlink = ramfs_symlink,
    .link = simple_link, .unlink = simple_unlink, .rmdir = simple_rmdir, .rename = simple_rename,
    .get_link = nullptr, .setsize = nullptr,
};

inode* ramfs_get_inode(super_block* sb, u32 mode, u32 dev)
{
    inode* i = new_inode(sb, mode);
    if (!i)
        return nullptr;
    switch (mode & S_IFMT) {
    case S_IFREG:
        i->i_op = &ramfs_file_inode_operations;
        i->i_fop = &ramfs_file_operations;
        break;
    case S_IFDIR:
        i->i_op = &ramfs_dir_inode_operations;
        i->i_fop = &dcache_dir_operations;
        i->i_nlink = 2; // its name and its .
        break;
    case S_IFLNK:
        i->i_op = &ramfs_symlink_inode_operations;
        break;
    case S_IFCHR:
        i->i_op = &ramfs_special_inode_operations;
        i->i_fop = &def_chr_fops;
        i->i_rdev = dev;
        break;
    case S_IFIFO: // opens meet on the inode's pipe (fs/pipe.cpp's fifo_open)
        i->i_op = &ramfs_special_inode_operations;
        i->i_fop = &pipefifo_fops;
        break;
    default: // block devices and sockets have no driver here: opens fail with ENXIO
        i->i_op = &ramfs_special_inode_operations;
        i->i_rdev = dev;
        break;
    }
    return i;
}

super_block* ramfs_fill_super(const file_system_type* type, u32 root_mode)
{
    super_block* sb = alloc_super(type);
    if (!sb)
        return nullptr;
    sb->evict_inode = ramfs_evict_inode;
    inode* root = ramfs_get_inode(sb, S_IFDIR | root_mode, 0);
    if (!root)
        return nullptr;
    root->i_uid = 0;
    sb->s_root = d_alloc_root(sb, root);
    return sb->s_root ? sb : nullptr;
}
