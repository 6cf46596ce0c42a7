// Linux's errno names for module code (linux/errno.h). The values come from the one list the
// kernel and the host share, abi/lkmemu/errno.h; functions return them negated (-ENODEV).
#pragma once

#include <lkmemu/errno.h>

#define EPERM LKM_EPERM
#define ENOENT LKM_ENOENT
#define ESRCH LKM_ESRCH
#define EINTR LKM_EINTR
#define EIO LKM_EIO
#define ENXIO LKM_ENXIO
#define E2BIG LKM_E2BIG
#define ENOEXEC LKM_ENOEXEC
#define EBADF LKM_EBADF
#define ECHILD LKM_ECHILD
#define EAGAIN LKM_EAGAIN
#define ENOMEM LKM_ENOMEM
#define EACCES LKM_EACCES
#define EFAULT LKM_EFAULT
#define EBUSY LKM_EBUSY
#define EEXIST LKM_EEXIST
#define EXDEV LKM_EXDEV
#define ENODEV LKM_ENODEV
#define ENOTDIR LKM_ENOTDIR
#define EISDIR LKM_EISDIR
#define EINVAL LKM_EINVAL
#define EMFILE LKM_EMFILE
#define ENOTTY LKM_ENOTTY
#define EFBIG LKM_EFBIG
#define ENOSPC LKM_ENOSPC
#define ESPIPE LKM_ESPIPE
#define EPIPE LKM_EPIPE
#define ERANGE LKM_ERANGE
#define ENAMETOOLONG LKM_ENAMETOOLONG
#define ENOSYS LKM_ENOSYS
#define ENOTEMPTY LKM_ENOTEMPTY
#define ELOOP LKM_ELOOP
#define ENODATA LKM_ENODATA
#define ENOPKG LKM_ENOPKG
#define EBADMSG LKM_EBADMSG
#define ENOKEY LKM_ENOKEY
#define EKEYREJECTED LKM_EKEYREJECTED
#define EOPNOTSUPP LKM_EOPNOTSUPP
#define ENOTSUP LKM_ENOTSUP
#define ETIMEDOUT LKM_ETIMEDOUT
#define EWOULDBLOCK LKM_EWOULDBLOCK
