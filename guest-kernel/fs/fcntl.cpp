// dup, dup2, dup3 and fcntl (Linux's fs/fcntl.c and fs/file.c): more descriptors for one open
// file, close-on-exec, and the file's status flags.
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <kernel/pipe_fs_i.h>
#include <kernel/syscalls.h>

namespace {

// Status flags F_SETFL may change (Linux's SETFL_MASK, those lkmemu has).
constexpr u32 SETFL_MASK = O_APPEND | O_NONBLOCK;

long dupfd(file* f, unsigned from, bool cloexec)
{
    int fd = alloc_fd(from, cloexec);
    if (fd < 0)
        return fd == -LKM_EMFILE && from >= rlimit_nofile() ? -LKM_EINVAL : fd;
    fd_install_at(fd, get_file(f));
    return fd;
}

} // namespace

long sys_dup(unsigned fildes)
{
    file* f = fd_get(static_cast<int>(fildes));
    return f ? dupfd(f, 0, false) : -LKM_EBADF;
}

long sys_dup3(unsigned oldfd, unsigned newfd, int flags)
{
    if (flags & ~static_cast<int>(O_CLOEXEC))
        return -LKM_EINVAL;
    if (oldfd == newfd)
        return -LKM_EINVAL;
    file* f = fd_get(static_cast<int>(oldfd));
    if (!f)
        return -LKM_EBADF;
    get_file(f);
    if (int error = replace_fd(newfd, f, flags & O_CLOEXEC)) {
        fput(f);
        return error;
    }
    return newfd;
}

long sys_dup2(unsigned oldfd, unsigned newfd)
{
    if (oldfd == newfd)
        return fd_get(static_cast<int>(oldfd)) ? static_cast<long>(newfd) : -LKM_EBADF;
    return sys_dup3(oldfd, newfd, 0);
}

long sys_fcntl(unsigned fd, unsigned cmd, u64 arg)
{
    file* f = fd_get(static_cast<int>(fd));
    if (!f)
        return -LKM_EBADF;
    switch (cmd) {
    case LKM_F_DUPFD:
        return dupfd(f, static_cast<unsigned>(arg), false);
    case LKM_F_DUPFD_CLOEXEC:
        return dupfd(f, static_cast<unsigned>(arg), true);
    case LKM_F_GETFD:
        return get_close_on_exec(fd) ? LKM_FD_CLOEXEC : 0;
    case LKM_F_SETFD:
        set_close_on_exec(fd, arg & LKM_FD_CLOEXEC);
        return 0;
    case LKM_F_GETFL:
        return f->f_flags;
    case LKM_F_SETFL:
        if (f->f_flags & O_PATH)
            return -LKM_EBADF;
        f->f_flags = (f->f_flags & ~SETFL_MASK) | (static_cast<u32>(arg) & SETFL_MASK);
        return 0;
    case LKM_F_SETPIPE_SZ:
    case LKM_F_GETPIPE_SZ:
        return pipe_fcntl(f, cmd, arg);
    default:
        return -LKM_EINVAL;
    }
}
