// getdents64 (Linux's fs/readdir.c): a directory's entries as linux_dirent64 records, as many as
// fit in the caller's buffer; the directory's iterate remembers where it stopped.
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/stat.h>
#include <asm/uaccess.h>
#include <kernel/syscalls.h>

namespace {

struct getdents_callback {
    dir_context ctx;
    file* f;
    u64 buf;      // where the next record goes
    size_t count; // room left
    size_t used;
    int error;
};

bool filldir64(dir_context* ctx, const char* name, size_t length, u64 ino, unsigned type)
{
    auto* cb = reinterpret_cast<getdents_callback*>(ctx);
    size_t reclen = (offsetof(lkm_linux_dirent64, d_name) + length + 1 + 7) & ~size_t(7);
    if (reclen > cb->count) {
        if (!cb->used)
            cb->error = -LKM_EINVAL; // not even one record fits
        return false;
    }
    // The record, built in a small kernel buffer (names are at most NAME_MAX).
    alignas(8) u8 record[offsetof(lkm_linux_dirent64, d_name) + 256 + 8] = {};
    auto* d = reinterpret_cast<lkm_linux_dirent64*>(record);
    d->d_ino = ino;
    d->d_off = static_cast<s64>(cb->f->f_pos + 1);
    d->d_reclen = static_cast<u16>(reclen);
    d->d_type = static_cast<u8>(type);
    __builtin_memcpy(d->d_name, name, length);
    if (copy_to_user(cb->buf, record, reclen)) {
        cb->error = -LKM_EFAULT;
        return false;
    }
    cb->buf += reclen;
    cb->count -= reclen;
    cb->used += reclen;
    return true;
}

} // namespace

long sys_getdents64(unsigned fd, u64 dirent, unsigned count)
{
    file* f = fget_checked(static_cast<int>(fd), false);
    if (!f)
        return -LKM_EBADF;
    if (!f->f_op->iterate)
        return -LKM_ENOTDIR;
    if (!access_ok(dirent, count))
        return -LKM_EFAULT;
    getdents_callback cb = { { filldir64 }, f, dirent, count, 0, 0 };
    int error = f->f_op->iterate(f, &cb.ctx);
    if (error)
        return error;
    if (cb.error && !cb.used)
        return cb.error;
    return static_cast<long>(cb.used);
}
