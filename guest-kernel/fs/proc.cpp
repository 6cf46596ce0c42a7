// Generated read-only text files (/proc/...): the text is produced when the file is opened, so a
// reader sees one consistent snapshot however many read() calls it takes.
#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/fs.h>
#include <kernel/slab.h>
#include <kernel/string.h>

namespace {

constexpr size_t MAX_PROC_FILES = 8;

struct proc_file {
    const char* path;
    proc_show_fn show;
};
proc_file g_proc_files[MAX_PROC_FILES];

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

const file_operations g_proc_fops = { nullptr, proc_read, nullptr, proc_release, nullptr };

} // namespace

int register_proc_file(const char* path, proc_show_fn show)
{
    for (auto& entry : g_proc_files) {
        if (!entry.path) {
            entry = { path, show };
            return 0;
        }
    }
    return -LKM_ENOSPC;
}

// For vfs_open: open the generated file at path into f. 0, -ENOENT (no such file) or an error.
int open_proc_file(const char* path, file* f)
{
    for (auto& entry : g_proc_files) {
        if (!entry.path || strcmp(entry.path, path) != 0)
            continue;
        if ((f->f_flags & O_ACCMODE) != O_RDONLY)
            return -LKM_EACCES;
        ssize_t needed = entry.show(nullptr, 0);
        if (needed < 0)
            return static_cast<int>(needed);
        auto* snapshot = static_cast<proc_snapshot*>(kmalloc(sizeof(proc_snapshot)));
        char* text = static_cast<char*>(kmalloc(static_cast<size_t>(needed) + 1));
        if (!snapshot || !text) {
            kfree(snapshot);
            kfree(text);
            return -LKM_ENOMEM;
        }
        ssize_t length = entry.show(text, static_cast<size_t>(needed) + 1);
        *snapshot = { text, static_cast<size_t>(min(length, needed)) };
        f->f_op = &g_proc_fops;
        f->private_data = snapshot;
        return 0;
    }
    return -LKM_ENOENT;
}
