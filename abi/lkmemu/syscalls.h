// The system calls lkmemu's kernel implements: Linux's x86-64 numbers (syscall_64.tbl), names and
// parameters. This is the one list. The kernel's dispatch table and sys_* declarations
// (guest-kernel/include/kernel/syscalls.h), init's NR_* numbers (guest-kernel/user/syscall.h)
// and the host tracer's names (emulator/trace/syscall_names.cpp) are generated from it, so a new
// call is one line here plus its sys_* definition in the kernel.
//
// X(nr, name, (parameters)): user pointers are uint64_t addresses, which the kernel touches only
// through its uaccess helpers.
#pragma once

#include <stddef.h>
#include <stdint.h>

#define LKM_SYSCALL_LIST(X)                                                                        \
    X(0, read, (unsigned fd, uint64_t buf, size_t count))                                          \
    X(1, write, (unsigned fd, uint64_t buf, size_t count))                                         \
    X(2, open, (uint64_t filename, int flags, unsigned mode))                                      \
    X(3, close, (unsigned fd))                                                                     \
    X(8, lseek, (unsigned fd, int64_t offset, unsigned whence))                                    \
    X(35, nanosleep, (uint64_t req, uint64_t rem)) /* struct timespec * twice */                   \
    X(60, exit, (int error_code))                                                                  \
    X(102, getuid, ())                                                                             \
    X(103, syslog, (int type, uint64_t buf, int len))                                              \
    X(105, setuid, (unsigned uid))                                                                 \
    X(117, setresuid, (unsigned ruid, unsigned euid, unsigned suid)) /* (unsigned)-1: unchanged */ \
    X(169, reboot, (int magic1, int magic2, unsigned cmd, uint64_t arg))                           \
    X(175, init_module, (uint64_t umod, uint64_t len, uint64_t uargs))                             \
    X(176, delete_module, (uint64_t name, unsigned flags)) /* flags: lkmemu/fcntl.h */     \
    X(313, finit_module, (int fd, uint64_t uargs, int flags)) /* flags: LKM_MODULE_INIT_* */
