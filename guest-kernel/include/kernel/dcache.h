// Names, file systems and mounts (Linux's include/linux/dcache.h, fs.h, mount.h, in miniature).
// Every file system here keeps its whole tree in the dentry cache, as Linux's ramfs does: a
// positive dentry is pinned by its file system (one reference) until it is unlinked, so the
// cache *is* the directory. A lookup of a name is one hash probe keyed by (parent, name).
#pragma once

#include <kernel/fs.h>
#include <kernel/list.h>
#include <kernel/types.h>

struct inode_operations {
    // Directories. d is a negative dentry for the new name; each makes d positive (d_instantiate
    // and the file system's pin) or returns -errno.
    int (*create)(inode* dir, dentry* d, u32 mode);
    int (*mkdir)(inode* dir, dentry* d, u32 mode);
    int (*mknod)(inode* dir, dentry* d, u32 mode, u32 dev);
    int (*symlink)(inode* dir, dentry* d, const char* target);
    int (*link)(dentry* old, inode* dir, dentry* d);
    int (*unlink)(inode* dir, dentry* d); // d stays allocated while referenced, negative
    int (*rmdir)(inode* dir, dentry* d);  // d is an empty directory
    // old_d moves to new_d's place (an existing new_d, checked compatible, is replaced).
    int (*rename)(inode* old_dir, dentry* old_d, inode* new_dir, dentry* new_d);
    // Symlinks: the target, into buf (size bytes, NUL included); its length or -errno.
    long (*get_link)(dentry* d, char* buf, size_t size);
    // Regular files: grow or shrink the data to size bytes.
    int (*setsize)(inode* i, u64 size);
};

struct file_system_type {
    const char* name;
    u64 magic;
};

struct super_block {
    const file_system_type* s_type;
    dentry* s_root;
    u32 s_dev; // an anonymous device number, per mount (stat's st_dev)
    u64 s_next_ino;
    void (*evict_inode)(inode* i); // frees what the file system hung off i (i_private)
};

constexpr unsigned DCACHE_MOUNTED = 0x1;  // something is mounted on it
constexpr unsigned DCACHE_CURSOR = 0x2;   // a readdir position in the parent's children, not a name
constexpr unsigned DCACHE_UNHASHED = 0x4; // unlinked, or a lookup's negative result

struct dentry {
    unsigned d_count;
    unsigned d_flags;
    dentry* d_parent; // itself at a file system's root
    inode* d_inode;   // nullptr: negative
    super_block* d_sb;
    dentry* d_hash_next; // in its hash bucket
    list_head d_child;   // in the parent's d_subdirs
    list_head d_subdirs; // children, cursors included (readdir walks it)
    u32 d_hash;
    u32 d_len;
    char* d_name;   // d_len bytes and a NUL: d_iname, or an allocation of its own after a rename
    char d_iname[]; // the name it was made with
};

// The dentry cache (fs/dcache.cpp).
dentry* d_lookup(const dentry* parent, const char* name, size_t length); // a reference, or nullptr
// A new negative dentry for name under parent (a reference each on it and on parent), hashed so
// that a lookup finds it. nullptr: ENOMEM.
dentry* d_alloc(dentry* parent, const char* name, size_t length);
dentry* d_alloc_root(super_block* sb, inode* root); // the file system's root (pinned)
dentry* d_alloc_cursor(dentry* dir);                // a readdir position, at the start of dir
void d_instantiate(dentry* d, inode* i);            // takes i's reference
void d_delete(dentry* d);      // unlinked: negative, unhashed, unpinned by the file system
// rename: d takes target's name and parent (target, unhashed by the caller, keeps its own).
// 0 or -ENOMEM.
int d_move(dentry* d, dentry* target);
inline dentry* dget(dentry* d) { d->d_count++; return d; }
void dput(dentry* d);          // the last reference of an unhashed dentry frees it
bool d_is_negative(const dentry* d);
bool simple_empty(const dentry* dir); // no positive children

// Inodes (fs/inode.cpp).
inode* new_inode(super_block* sb, u32 mode); // one reference, i_nlink 1, owner from the caller
inline void ihold(inode* i) { i->i_count++; }
void iput(inode* i); // the last reference of an inode without names frees it
s64 current_time();

// Mounts (fs/namespace.cpp). Mounts are never undone (no umount).
struct vfsmount {
    dentry* mnt_root;
    super_block* mnt_sb;
    vfsmount* mnt_parent; // itself for the root mount
    dentry* mnt_mountpoint;
    vfsmount* mnt_next;   // in the mount list (/proc/mounts)
    const char* mnt_devname;
};
super_block* alloc_super(const file_system_type* type);
// Mount sb on the directory at p (nullptr: as the root of everything).
lkm::ErrorOr<vfsmount*> vfs_kern_mount(super_block* sb, const path* mountpoint, const char* devname);
vfsmount* lookup_mnt(const path* p); // what is mounted on p, or nullptr
vfsmount* first_mount();             // the mount list, oldest first
void get_root_path(path* root);      // the root mount's root (a reference)

// The file systems.
super_block* ramfs_fill_super(const file_system_type* type, u32 root_mode);
extern const file_system_type ramfs_fs_type;
extern const file_system_type devtmpfs_fs_type;
// Ramfs inodes for other file systems to hang their own i_fop on (procfs's directories).
extern const inode_operations ramfs_dir_inode_operations;
extern const file_operations dcache_dir_operations; // readdir over d_subdirs
long dcache_dir_llseek(file* f, s64 offset, int whence);
super_block* procfs_fill_super();
int chrdev_open(file* f); // the i_fop of every character-device inode
