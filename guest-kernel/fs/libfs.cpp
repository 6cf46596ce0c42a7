// What dcache-resident file systems share (Linux's fs/libfs.c): a directory read straight from
// the dentry cache, its position kept by a cursor dentry among the children, so each getdents64
// call goes on from where the last stopped however the directory changed in between.
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/stat.h>

namespace {

unsigned dt_type(const inode* i) { return (i->i_mode >> 12) & 15; }

void move_cursor_after(dentry* cursor, list_head* after)
{
    list_del_init(&cursor->d_child);
    __list_add(&cursor->d_child, after, after->next);
}

int dcache_readdir(file* f, dir_context* ctx)
{
    dentry* dir = f->f_path.dentry;
    auto* cursor = static_cast<dentry*>(f->private_data);
    if (f->f_pos == 0) {
        if (!ctx->emit(ctx, ".", 1, dir->d_inode->i_ino, LKM_DT_DIR))
            return 0;
        f->f_pos = 1;
    }
    if (f->f_pos == 1) {
        // The parent as the walk's `..` sees it would cross mounts; Linux's dcache_readdir
        // reports the file system's own parent too.
        if (!ctx->emit(ctx, "..", 2, dir->d_parent->d_inode->i_ino, LKM_DT_DIR))
            return 0;
        f->f_pos = 2;
    }
    for (list_head* l = cursor->d_child.next; l != &dir->d_subdirs; l = cursor->d_child.next) {
        dentry* child = list_entry(l, dentry, d_child);
        if ((child->d_flags & DCACHE_CURSOR) || !child->d_inode) {
            move_cursor_after(cursor, l);
            continue;
        }
        if (!ctx->emit(ctx, child->d_name, child->d_len, child->d_inode->i_ino, dt_type(child->d_inode)))
            return 0;
        move_cursor_after(cursor, l);
        f->f_pos++;
    }
    return 0;
}

} // namespace

int dcache_dir_open(file* f)
{
    dentry* cursor = d_alloc_cursor(f->f_path.dentry);
    if (!cursor)
        return -LKM_ENOMEM;
    f->private_data = cursor;
    return 0;
}

void dcache_dir_release(file* f)
{
    auto* cursor = static_cast<dentry*>(f->private_data);
    list_del_init(&cursor->d_child);
    kfree(cursor);
}

// Only back to an offset counted in entries (0: the start), as Linux's dcache_dir_lseek.
long dcache_dir_llseek(file* f, s64 offset, int whence)
{
    if (whence == SEEK_CUR)
        offset += static_cast<s64>(f->f_pos);
    else if (whence != SEEK_SET)
        return -LKM_EINVAL;
    if (offset < 0)
        return -LKM_EINVAL;
    dentry* dir = f->f_path.dentry;
    auto* cursor = static_cast<dentry*>(f->private_data);
    move_cursor_after(cursor, &dir->d_subdirs);
    s64 n = offset > 2 ? offset - 2 : 0;
    for (list_head* l = cursor->d_child.next; n > 0 && l != &dir->d_subdirs; l = cursor->d_child.next) {
        dentry* child = list_entry(l, dentry, d_child);
        if (!(child->d_flags & DCACHE_CURSOR) && child->d_inode)
            n--;
        move_cursor_after(cursor, l);
    }
    f->f_pos = static_cast<u64>(offset);
    return offset;
}

const file_operations dcache_dir_operations = {
    .open = dcache_dir_open,
    .read = nullptr,
    .write = nullptr,
    .release = dcache_dir_release,
    .llseek = dcache_dir_llseek,
    .read_kernel = nullptr,
    .read_iter = nullptr,
    .write_iter = nullptr,
    .iterate = dcache_readdir,
    .unlocked_ioctl = nullptr,
};
