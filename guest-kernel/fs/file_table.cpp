// Open files (Linux's fs/file_table.c): reference counted by the descriptors that name them and
// by the kernel while it uses one; the last fput runs the driver's release and lets go of what
// the file holds (its inode, its path).
#include "internal.h"

#include <kernel/slab.h>

file* get_file(file* f)
{
    f->f_count++;
    return f;
}

void fput(file* f)
{
    if (--f->f_count)
        return;
    if (f->f_op && f->f_op->release)
        f->f_op->release(f);
    if (f->f_opened)
        iput(f->f_opened);
    if (f->f_path.dentry)
        path_put(&f->f_path);
    kfree(f);
}

void vfs_close(file* f) { fput(f); }
