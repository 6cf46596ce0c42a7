// Linux's errno values (asm-generic/errno-base.h and errno.h), the ones lkmemu uses. System calls
// return them negated, as Linux does; the host prints their names (see lkm_errno_name).
// One name per number, glibc's (strerrorname_np): where Linux has two names for one value, the
// list holds the one glibc prints and the other is an alias below (EWOULDBLOCK is EAGAIN, ENOTSUP
// is EOPNOTSUPP), so the JSON, the messages and the docs all say EAGAIN and EOPNOTSUPP.
#pragma once

#define LKM_ERRNO_LIST(X)                                                                          \
    X(EPERM, 1, "Operation not permitted")                                                         \
    X(ENOENT, 2, "No such file or directory")                                                      \
    X(ESRCH, 3, "No such process")                                                                 \
    X(EINTR, 4, "Interrupted system call")                                                         \
    X(EIO, 5, "Input/output error")                                                                \
    X(ENXIO, 6, "No such device or address")                                                       \
    X(E2BIG, 7, "Argument list too long")                                                          \
    X(ENOEXEC, 8, "Exec format error")                                                             \
    X(EBADF, 9, "Bad file descriptor")                                                             \
    X(ECHILD, 10, "No child processes")                                                            \
    X(EAGAIN, 11, "Resource temporarily unavailable")                                              \
    X(ENOMEM, 12, "Cannot allocate memory")                                                        \
    X(EACCES, 13, "Permission denied")                                                             \
    X(EFAULT, 14, "Bad address")                                                                   \
    X(EBUSY, 16, "Device or resource busy")                                                        \
    X(EEXIST, 17, "File exists")                                                                   \
    X(EXDEV, 18, "Invalid cross-device link")                                                      \
    X(ENODEV, 19, "No such device")                                                                \
    X(ENOTDIR, 20, "Not a directory")                                                              \
    X(EISDIR, 21, "Is a directory")                                                                \
    X(EINVAL, 22, "Invalid argument")                                                              \
    X(EMFILE, 24, "Too many open files")                                                           \
    X(ENOTTY, 25, "Inappropriate ioctl for device")                                                \
    X(EFBIG, 27, "File too large")                                                                 \
    X(ENOSPC, 28, "No space left on device")                                                       \
    X(ESPIPE, 29, "Illegal seek")                                                                  \
    X(EPIPE, 32, "Broken pipe")                                                                    \
    X(ERANGE, 34, "Numerical result out of range")                                                 \
    X(ENAMETOOLONG, 36, "File name too long")                                                      \
    X(ENOSYS, 38, "Function not implemented")                                                      \
    X(ENOTEMPTY, 39, "Directory not empty")                                                        \
    X(ELOOP, 40, "Too many levels of symbolic links")                                              \
    X(ENODATA, 61, "No data available")                                                            \
    X(ENOPKG, 65, "Package not installed")                                                         \
    X(EBADMSG, 74, "Bad message")                                                                  \
    X(ENOKEY, 126, "Required key not available")                                                   \
    X(EKEYREJECTED, 129, "Key was rejected by service")                                            \
    X(EOPNOTSUPP, 95, "Operation not supported")                                                   \
    X(ETIMEDOUT, 110, "Connection timed out")

#define LKM_ERRNO_DEFINE(name, value, text) enum { LKM_##name = value };
LKM_ERRNO_LIST(LKM_ERRNO_DEFINE)
#undef LKM_ERRNO_DEFINE
#define LKM_EWOULDBLOCK LKM_EAGAIN /* as Linux: the same value */
#define LKM_ENOTSUP LKM_EOPNOTSUPP /* glibc's alias; Linux's uapi has EOPNOTSUPP */

#ifdef __cplusplus
/* "EPERM" for 1, or nullptr for a value lkmemu does not know. */
constexpr const char* lkm_errno_name(int value)
{
#define LKM_ERRNO_CASE(name, v, text) if (value == v) return #name;
    LKM_ERRNO_LIST(LKM_ERRNO_CASE)
#undef LKM_ERRNO_CASE
    return nullptr;
}
/* strerror()'s text for a known value, or nullptr. */
constexpr const char* lkm_errno_text(int value)
{
#define LKM_ERRNO_CASE(name, v, text) if (value == v) return text;
    LKM_ERRNO_LIST(LKM_ERRNO_CASE)
#undef LKM_ERRNO_CASE
    return nullptr;
}
#endif
