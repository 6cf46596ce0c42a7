// Linux's kernel_read_file (fs/kernel_read_file.c), for finit_module: the kernel reads a whole
// file itself, sized by its inode up front, so the image arrives in one allocation of exactly its
// size, filled by the driver directly (no user buffer, no growing, no bounce).
#include <lkmemu/errno.h>
#include <kernel/fs.h>
#include <kernel/mm.h>

lkm::ErrorOr<page_buffer> kernel_read_file(file* f, size_t max_size, size_t* size)
{
    if (!f || (f->f_flags & O_ACCMODE) == O_WRONLY)
        return lkm::Error::from_errno(LKM_EBADF, "not open for reading");
    if (!f->f_inode || !S_ISREG(f->f_inode->i_mode))
        return lkm::Error::from_errno(LKM_EINVAL, "not a regular file");
    u64 i_size = f->f_inode->i_size;
    if (i_size == 0)
        return lkm::Error::from_errno(LKM_EINVAL, "empty file");
    if (i_size > max_size) // the entire file cannot be read in one buffer
        return lkm::Error::from_errno(LKM_EFBIG, "file too large");
    if (!f->f_op->read_kernel)
        return lkm::Error::from_errno(LKM_EINVAL, "no kernel read");
    page_buffer buf = TRY(page_buffer::allocate(i_size));
    u64 pos = 0;
    while (pos < i_size) {
        ssize_t n = f->f_op->read_kernel(f, buf.data() + pos, i_size - pos, pos);
        if (n < 0)
            return lkm::Error::from_errno(static_cast<int>(-n), "read failed");
        if (n == 0)
            break;
        pos += static_cast<u64>(n);
    }
    if (pos != i_size) // the file ended before its inode said it would
        return lkm::Error::from_errno(LKM_EIO, "short read");
    *size = i_size;
    return buf;
}
