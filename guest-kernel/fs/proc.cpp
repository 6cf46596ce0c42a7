// Generated read-only text files (/proc/...): the text is produced when the file is opened, so a
// reader sees one consistent snapshot however many read() calls it takes. As many files as are
// registered, found by path through a hashed table.
#include "internal.h"

#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/slab.h>
#include <kernel/string.h>

namespace {

struct proc_file {
    path_entry entry; // first: the table's entry is the file
    proc_show_fn show;
};
path_table g_proc_files;

struct proc_snapshot {
    char* text;
    size_t length;
};

ssize_t proc_read(file* f, u64 user_buf, size_t count)
{
    auto* snapshot = static_cast<proc_snapshot*>(f->private_data);
    if (f->f_pos >= snapshot->length)
        return 0;
    size_t n = min<size_t>(count, snapshot->length - f->f_pos);
    if (copy_to_user(user_buf, snapshot->text + f->f_pos, n))
        return -LKM_EFAULT;
    f->f_pos += n;
    return static_cast<ssize_t>(n);
}

void proc_release(file* f)
{
    auto* snapshot = static_cast<proc_snapshot*>(f->private_data);
    kfree(snapshot->text);
    kfree(snapshot);
}

const file_operations g_proc_fops = { nullptr, proc_read, nullptr, proc_release, nullptr, nullptr };

} // namespace

int register_proc_file(const char* path, proc_show_fn show)
{
    if (!path || !show)
        return -LKM_EINVAL;
    if (g_proc_files.find(path))
        return -LKM_EEXIST;
    auto* entry = static_cast<proc_file*>(kmalloc(sizeof(proc_file)));
    if (!entry)
        return -LKM_ENOMEM;
    entry->show = show;
    g_proc_files.insert(&entry->entry, path);
    return 0;
}

int open_proc_file(const char* path, file* f)
{
    path_entry* found = g_proc_files.find(path);
    if (!found)
        return -LKM_ENOENT;
    const proc_file* entry = reinterpret_cast<const proc_file*>(found);
    if ((f->f_flags & O_ACCMODE) != O_RDONLY)
        return -LKM_EACCES;
    ssize_t needed = entry->show(nullptr, 0);
    if (needed < 0)
        return static_cast<int>(needed);
    auto* snapshot = static_cast<proc_snapshot*>(kmalloc(sizeof(proc_snapshot)));
    char* text = static_cast<char*>(kmalloc(static_cast<size_t>(needed) + 1));
    if (!snapshot || !text) {
        kfree(snapshot);
        kfree(text);
        return -LKM_ENOMEM;
    }
    ssize_t length = entry->show(text, static_cast<size_t>(needed) + 1);
    *snapshot = { text, static_cast<size_t>(min(length, needed)) };
    f->f_op = &g_proc_fops;
    f->private_data = snapshot;
    return 0;
}
