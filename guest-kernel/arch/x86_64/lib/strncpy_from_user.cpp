#include <lkmemu/errno.h>
#include <asm/uaccess.h>

long strncpy_from_user(char* dst, u64 src, long count)
{
    if (count <= 0)
        return 0;
    // Only the part of [src, src + count) that lies in user space may be read; a string that runs
    // past the end of user space faults there like any other unmapped byte would.
    if (src >= TASK_SIZE_MAX)
        return -LKM_EFAULT;
    long limit = static_cast<long>(min<u64>(static_cast<u64>(count), TASK_SIZE_MAX - src));
    long n = __strncpy_from_user(dst, reinterpret_cast<const char*>(src), limit);
    if (n == limit && limit < count)
        return -LKM_EFAULT;
    return n;
}
