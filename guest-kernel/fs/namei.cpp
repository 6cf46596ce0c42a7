// Paths from user space (Linux's getname in fs/namei.c): copied whole into a kernel buffer of
// PATH_MAX bytes, so a path may be as long as Linux allows and no longer.
#include "internal.h"

#include <lkmemu/errno.h>
#include <asm/uaccess.h>

lkm::ErrorOr<KBuffer<char>> getname(u64 user_path)
{
    // Not on the stack: PATH_MAX is a quarter of the kernel stack.
    KBuffer<char> name(PATH_MAX);
    if (!name)
        return lkm::Error::from_errno(LKM_ENOMEM, "getname: no memory for the path");
    long length = strncpy_from_user(name.get(), user_path, PATH_MAX);
    if (length < 0)
        return lkm::Error::from_errno(static_cast<int>(-length), "getname: the path is not readable");
    if (static_cast<size_t>(length) == PATH_MAX)
        return lkm::Error::from_errno(LKM_ENAMETOOLONG, "getname: the path is longer than PATH_MAX");
    if (length == 0)
        return lkm::Error::from_errno(LKM_ENOENT, "getname: the path is empty");
    return name;
}
