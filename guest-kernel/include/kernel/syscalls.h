// The system calls, with Linux's x86-64 numbers. SYSCALL_LIST is the one list the dispatch table
// (arch/x86_64/kernel/syscall_64.cpp) is generated from: to add a call, declare its sys_*
// function here and add one line (issue 4: init_module 175, delete_module 176).
// User pointers arrive as u64 addresses and are only touched through asm/uaccess.h.
#pragma once

#include <kernel/types.h>

#define SYSCALL_LIST(X)                                                                            \
    X(0, read)                                                                                     \
    X(1, write)                                                                                    \
    X(2, open)                                                                                     \
    X(3, close)                                                                                    \
    X(8, lseek)                                                                                    \
    X(35, nanosleep)                                                                               \
    X(60, exit)                                                                                    \
    X(102, getuid)                                                                                 \
    X(103, syslog)                                                                                 \
    X(105, setuid)                                                                                 \
    X(117, setresuid)                                                                              \
    X(169, reboot)                                                                                 \
    X(175, init_module)                                                                            \
    X(176, delete_module)

constexpr unsigned NR_syscalls = 336; // table size: Linux's x86-64 numbers stay below this

long sys_read(unsigned fd, u64 buf, size_t count);
long sys_write(unsigned fd, u64 buf, size_t count);
long sys_open(u64 filename, int flags, unsigned mode);
long sys_close(unsigned fd);
long sys_lseek(unsigned fd, s64 offset, unsigned whence);
long sys_exit(int error_code);
long sys_getuid();
long sys_syslog(int type, u64 buf, int len);
long sys_setuid(unsigned uid);
long sys_setresuid(unsigned ruid, unsigned euid, unsigned suid); // (unsigned)-1: unchanged
long sys_reboot(int magic1, int magic2, unsigned cmd, u64 arg);
long sys_nanosleep(u64 req, u64 rem); // struct timespec *: sleeps with interrupts on
long sys_init_module(u64 umod, u64 len, u64 uargs); // kernel/module/main.cpp
long sys_delete_module(u64 name, unsigned flags);

void syscall_init(); // EFER.SCE, STAR, LSTAR, SYSCALL_MASK
