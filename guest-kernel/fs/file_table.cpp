#include <lkmemu/errno.h>
#include <kernel/fs.h>
#include <kernel/sched.h>

int fd_install(file* f)
{
    task_struct* task = current();
    for (size_t fd = 0; fd < NR_OPEN_DEFAULT; fd++) {
        if (!task->files[fd]) {
            task->files[fd] = f;
            return static_cast<int>(fd);
        }
    }
    return -LKM_EMFILE;
}

file* fd_get(int fd)
{
    if (fd < 0 || static_cast<size_t>(fd) >= NR_OPEN_DEFAULT)
        return nullptr;
    return current()->files[fd];
}

file* fd_remove(int fd)
{
    file* f = fd_get(fd);
    if (f)
        current()->files[fd] = nullptr;
    return f;
}

void close_files()
{
    for (size_t fd = 0; fd < NR_OPEN_DEFAULT; fd++) {
        if (file* f = fd_remove(static_cast<int>(fd)))
            vfs_close(f);
    }
}
