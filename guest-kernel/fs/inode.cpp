// Inodes (Linux's fs/inode.c): reference counted by the dentries naming them and the files open on
// them; the last reference of an inode with no names left evicts it.
#include "internal.h"

#include <kernel/dcache.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/time.h>

s64 current_time() { return static_cast<s64>(local_clock() / 1000000000ull); }

inode* new_inode(super_block* sb, u32 mode)
{
    auto* i = static_cast<inode*>(kmalloc(sizeof(inode)));
    if (!i)
        return nullptr;
    i->i_mode = mode;
    i->i_count = 1;
    i->i_nlink = 1;
    i->i_sb = sb;
    i->i_ino = ++sb->s_next_ino;
    i->i_uid = current_fsuid();
    i->i_gid = 0; // tasks have no group ids yet
    i->i_atime = i->i_mtime = i->i_ctime = current_time();
    return i;
}

void iput(inode* i)
{
    if (--i->i_count)
        return;
    if (i->i_sb && i->i_sb->evict_inode)
        i->i_sb->evict_inode(i);
    kfree(i);
}
