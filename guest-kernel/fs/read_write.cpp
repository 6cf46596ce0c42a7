// read, write, their positioned and vectored forms, and lseek (Linux's fs/read_write.c): check
// the descriptor and its access mode, then the file's operations do the rest (and the user copy).
#include "internal.h"

#include <lkmemu/errno.h>
#include <asm/uaccess.h>
#include <kernel/syscalls.h>

namespace {

constexpr size_t MAX_RW_COUNT = 0x7ffff000; // as Linux: larger requests are shortened
constexpr size_t UIO_MAXIOV = 1024;

struct iovec {
    u64 iov_base;
    u64 iov_len;
};

file* file_for(unsigned fd, u32 forbidden_access)
{
    file* f = fget_checked(static_cast<int>(fd), false);
    if (!f || (f->f_flags & O_ACCMODE) == forbidden_access)
        return nullptr;
    return f;
}

ssize_t vfs_read(file* f, u64 buf, size_t count, u64* pos)
{
    if (file_inode(f) && S_ISDIR(file_inode(f)->i_mode))
        return -LKM_EISDIR;
    count = min(count, MAX_RW_COUNT);
    if (!access_ok(buf, count))
        return -LKM_EFAULT;
    if (f->f_op->read_iter)
        return f->f_op->read_iter(f, buf, count, pos ? pos : &f->f_pos);
    if (pos)
        return -LKM_ESPIPE;
    if (!f->f_op->read)
        return -LKM_EINVAL;
    return f->f_op->read(f, buf, count);
}

ssize_t vfs_write(file* f, u64 buf, size_t count, u64* pos)
{
    count = min(count, MAX_RW_COUNT);
    if (!access_ok(buf, count))
        return -LKM_EFAULT;
    if (f->f_op->write_iter)
        return f->f_op->write_iter(f, buf, count, pos ? pos : &f->f_pos);
    if (pos)
        return -LKM_ESPIPE;
    if (!f->f_op->write)
        return -LKM_EINVAL;
    return f->f_op->write(f, buf, count);
}

// readv/writev: each vector in turn, stopping at the first short transfer.
template <typename Op>
long do_iov(u64 vec, unsigned long vlen, Op op)
{
    if (vlen > UIO_MAXIOV)
        return -LKM_EINVAL;
    size_t total = 0;
    for (unsigned long n = 0; n < vlen; n++) {
        iovec iov;
        if (copy_from_user(&iov, vec + n * sizeof(iovec), sizeof iov))
            return total ? static_cast<long>(total) : -LKM_EFAULT;
        if (static_cast<s64>(iov.iov_len) < 0)
            return -LKM_EINVAL;
        if (!iov.iov_len)
            continue;
        ssize_t done = op(iov.iov_base, iov.iov_len);
        if (done < 0)
            return total ? static_cast<long>(total) : done;
        total += static_cast<size_t>(done);
        if (static_cast<size_t>(done) < iov.iov_len)
            break;
    }
    return static_cast<long>(total);
}

} // namespace

long sys_read(unsigned fd, u64 buf, size_t count)
{
    file* f = file_for(fd, O_WRONLY);
    return f ? vfs_read(f, buf, count, nullptr) : -LKM_EBADF;
}

long sys_write(unsigned fd, u64 buf, size_t count)
{
    file* f = file_for(fd, O_RDONLY);
    return f ? vfs_write(f, buf, count, nullptr) : -LKM_EBADF;
}

long sys_pread64(unsigned fd, u64 buf, size_t count, s64 pos)
{
    file* f = file_for(fd, O_WRONLY);
    if (!f)
        return -LKM_EBADF;
    if (pos < 0)
        return -LKM_EINVAL;
    u64 at = static_cast<u64>(pos);
    return vfs_read(f, buf, count, &at);
}

long sys_pwrite64(unsigned fd, u64 buf, size_t count, s64 pos)
{
    file* f = file_for(fd, O_RDONLY);
    if (!f)
        return -LKM_EBADF;
    if (pos < 0)
        return -LKM_EINVAL;
    u64 at = static_cast<u64>(pos);
    return vfs_write(f, buf, count, &at);
}

long sys_readv(unsigned fd, u64 vec, unsigned long vlen)
{
    file* f = file_for(fd, O_WRONLY);
    if (!f)
        return -LKM_EBADF;
    return do_iov(vec, vlen, [f](u64 base, size_t len) { return vfs_read(f, base, len, nullptr); });
}

long sys_writev(unsigned fd, u64 vec, unsigned long vlen)
{
    file* f = file_for(fd, O_RDONLY);
    if (!f)
        return -LKM_EBADF;
    return do_iov(vec, vlen, [f](u64 base, size_t len) { return vfs_write(f, base, len, nullptr); });
}

// The new offset, as Linux returns it. A file without llseek cannot seek (no_llseek: ESPIPE).
long sys_lseek(unsigned fd, s64 offset, unsigned whence)
{
    file* f = fget_checked(static_cast<int>(fd), false);
    if (!f)
        return -LKM_EBADF;
    if (whence > SEEK_END)
        return -LKM_EINVAL;
    if (!f->f_op->llseek)
        return -LKM_ESPIPE;
    return f->f_op->llseek(f, offset, static_cast<int>(whence));
}
