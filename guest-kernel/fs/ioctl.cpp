// ioctl (Linux's fs/ioctl.c): handed to the file's driver; a file without one is not a terminal
// or anything else that takes commands (ENOTTY).
#include "internal.h"

#include <lkmemu/errno.h>
#include <kernel/syscalls.h>

long sys_ioctl(unsigned fd, unsigned cmd, u64 arg)
{
    file* f = fget_checked(static_cast<int>(fd), false);
    if (!f)
        return -LKM_EBADF;
    if (!f->f_op->unlocked_ioctl)
        return -LKM_ENOTTY;
    return f->f_op->unlocked_ioctl(f, cmd, arg);
}
