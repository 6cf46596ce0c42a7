// finit_module(2) (Linux's kernel/module/main.c: SYSCALL_DEFINE3(finit_module) ->
// idempotent_init_module -> init_module_from_file): the module comes as a file descriptor and the
// kernel reads the file itself (kernel_read_file), so the image reaches kernel memory in one
// copy, without passing through the caller's memory. kmod's insmod uses it first and falls back
// to init_module(2) only when it is ENOSYS.
#include "internal.h"

#include <lkmemu/errno.h>
#include <kernel/fs.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/syscalls.h>

namespace {

constexpr unsigned FINIT_FLAGS
    = LKM_MODULE_INIT_IGNORE_MODVERSIONS | LKM_MODULE_INIT_IGNORE_VERMAGIC | LKM_MODULE_INIT_COMPRESSED_FILE;

} // namespace

long sys_finit_module(int fd, u64 uargs, int flags)
{
    if (!may_manage_modules())
        return -LKM_EPERM;
    auto const known = static_cast<unsigned>(flags);
    if (known & ~FINIT_FLAGS)
        return -LKM_EINVAL;
    file* f = fd_get(fd);
    if (!f || (f->f_flags & O_ACCMODE) == O_WRONLY)
        return -LKM_EBADF;
    // Linux's module_decompress without CONFIG_MODULE_DECOMPRESS.
    if (known & LKM_MODULE_INIT_COMPRESSED_FILE)
        return -LKM_EOPNOTSUPP;
    size_t len = 0;
    auto image = kernel_read_file(f, LKM_MAX_MODULE_IMAGE, &len);
    if (image.is_error()) {
        const lkm::Error& e = image.error();
        if (e.code == LKM_EFBIG) // Linux is silent here; the host shows this as the reason
            pr_err("module: file of %lu bytes is larger than the %lu bytes allowed\n", f->f_inode->i_size,
                   static_cast<u64>(LKM_MAX_MODULE_IMAGE));
        return -e.code;
    }
    return load_module(image.value().data(), len, uargs, known);
}
