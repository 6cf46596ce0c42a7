// read(2), write(2) and lseek(2): check the descriptor and its access mode, then the driver does
// the rest (and the user copy).
#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/fs.h>
#include <kernel/syscalls.h>

namespace {
constexpr size_t MAX_RW_COUNT = 0x7ffff000; // as Linux: larger requests are shortened
}

long sys_read(unsigned fd, u64 buf, size_t count)
{
    file* f = fd_get(static_cast<int>(fd));
    if (!f || (f->f_flags & O_ACCMODE) == O_WRONLY)
        return -LKM_EBADF;
    if (!f->f_op->read)
        return -LKM_EINVAL;
    count = min(count, MAX_RW_COUNT);
    if (!access_ok(buf, count))
        return -LKM_EFAULT;
    return f->f_op->read(f, buf, count);
}

long sys_write(unsigned fd, u64 buf, size_t count)
{
    file* f = fd_get(static_cast<int>(fd));
    if (!f || (f->f_flags & O_ACCMODE) == O_RDONLY)
        return -LKM_EBADF;
    if (!f->f_op->write)
        return -LKM_EINVAL;
    count = min(count, MAX_RW_COUNT);
    if (!access_ok(buf, count))
        return -LKM_EFAULT;
    return f->f_op->write(f, buf, count);
}

// Only drivers with a notion of position seek (/dev/kmsg); for the rest, as Linux's no_llseek,
// ESPIPE. The result is 0 rather than the new offset: no seekable file here has byte offsets.
long sys_lseek(unsigned fd, s64 offset, unsigned whence)
{
    file* f = fd_get(static_cast<int>(fd));
    if (!f)
        return -LKM_EBADF;
    if (!f->f_op->llseek)
        return -LKM_ESPIPE;
    return f->f_op->llseek(f, offset, static_cast<int>(whence));
}
