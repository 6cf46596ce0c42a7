// Mounts (Linux's fs/namespace.c, without umount): a file system's root attached over a
// directory, which it hides. The path walk asks lookup_mnt only at dentries flagged
// DCACHE_MOUNTED, so the mount list is not on the walk's path.
#include <lkmemu/errno.h>
#include <kernel/dcache.h>
#include <kernel/slab.h>

namespace {
vfsmount* g_mounts;      // oldest first
vfsmount* g_root_mount;
unsigned g_next_anon_dev = 1; // Linux's anonymous devices: major 0
}

void path_get(const path* p) { dget(p->dentry); }
void path_put(const path* p) { dput(p->dentry); }

super_block* alloc_super(const file_system_type* type)
{
    auto* sb = static_cast<super_block*>(kmalloc(sizeof(super_block)));
    if (!sb)
        return nullptr;
    sb->s_type = type;
    sb->s_dev = MKDEV(0, g_next_anon_dev++);
    return sb;
}

lkm::ErrorOr<vfsmount*> vfs_kern_mount(super_block* sb, const path* mountpoint, const char* devname)
{
    if (mountpoint && !S_ISDIR(mountpoint->dentry->d_inode->i_mode))
        return lkm::Error::from_errno(LKM_ENOTDIR, "mount: not a directory");
    auto* mnt = static_cast<vfsmount*>(kmalloc(sizeof(vfsmount)));
    if (!mnt)
        return lkm::Error::from_errno(LKM_ENOMEM, "mount: no memory");
    mnt->mnt_root = sb->s_root;
    mnt->mnt_sb = sb;
    mnt->mnt_devname = devname;
    if (mountpoint) {
        mnt->mnt_parent = mountpoint->mnt;
        mnt->mnt_mountpoint = dget(mountpoint->dentry);
        mountpoint->dentry->d_flags |= DCACHE_MOUNTED;
    } else {
        mnt->mnt_parent = mnt;
        mnt->mnt_mountpoint = sb->s_root;
        g_root_mount = mnt;
    }
    vfsmount** tail = &g_mounts;
    while (*tail)
        tail = &(*tail)->mnt_next;
    *tail = mnt;
    return mnt;
}

vfsmount* lookup_mnt(const path* p)
{
    if (!(p->dentry->d_flags & DCACHE_MOUNTED))
        return nullptr;
    vfsmount* found = nullptr; // the newest mount on it is what shows
    for (vfsmount* m = g_mounts; m; m = m->mnt_next) {
        if (m->mnt_parent == p->mnt && m->mnt_mountpoint == p->dentry && m != m->mnt_parent)
            found = m;
    }
    return found;
}

vfsmount* first_mount() { return g_mounts; }

void get_root_path(path* root)
{
    root->mnt = g_root_mount;
    root->dentry = dget(g_root_mount->mnt_root);
}
