// System call wrappers for init: the x86-64 Linux convention (number in RAX, arguments in RDI,
// RSI, RDX, R10, R8, R9; SYSCALL clobbers RCX and R11; the result or -errno in RAX).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lkmemu/fcntl.h>
#include <lkmemu/reboot.h>
#include <lkmemu/syscalls.h>
#include <lkmemu/syslog.h>
#include <lkmemu/time.h>

namespace sys {

// NR_read, NR_write ...: the numbers of the contract's one list (abi/lkmemu/syscalls.h).
enum : long {
#define SYSCALL_NR(nr, name, parameters) NR_##name = nr,
    LKM_SYSCALL_LIST(SYSCALL_NR)
#undef SYSCALL_NR
};

// A system call with up to six arguments (the x86-64 convention: RDI, RSI, RDX, R10, R8, R9).
inline long syscall(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0)
{
    long ret;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    register long r9 asm("r9") = f;
    asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return ret;
}

constexpr int O_RDONLY = LKM_O_RDONLY;
constexpr int O_WRONLY = LKM_O_WRONLY;
constexpr int O_RDWR = LKM_O_RDWR;
constexpr int O_CLOEXEC = LKM_O_CLOEXEC;
constexpr int O_NONBLOCK = LKM_O_NONBLOCK;
constexpr int SEEK_SET = LKM_SEEK_SET;
constexpr int SEEK_END = LKM_SEEK_END;
constexpr int SYSLOG_ACTION_READ_ALL = LKM_SYSLOG_ACTION_READ_ALL;
constexpr long LINUX_REBOOT_CMD_POWER_OFF = LKM_LINUX_REBOOT_CMD_POWER_OFF;

inline long read(int fd, void* buf, size_t count) { return syscall(NR_read, fd, reinterpret_cast<long>(buf), static_cast<long>(count)); }
inline long write(int fd, const void* buf, size_t count) { return syscall(NR_write, fd, reinterpret_cast<long>(buf), static_cast<long>(count)); }
inline long open(const char* path, int flags) { return syscall(NR_open, reinterpret_cast<long>(path), flags, 0); }
inline long close(int fd) { return syscall(NR_close, fd); }
inline long lseek(int fd, long offset, int whence) { return syscall(NR_lseek, fd, offset, whence); }
inline long syslog(int type, char* buf, int len) { return syscall(NR_syslog, type, reinterpret_cast<long>(buf), len); }
inline long getuid() { return syscall(NR_getuid); }
inline long setuid(unsigned uid) { return syscall(NR_setuid, uid); }
inline long setresuid(unsigned ruid, unsigned euid, unsigned suid) { return syscall(NR_setresuid, ruid, euid, suid); }
constexpr unsigned UID_UNCHANGED = static_cast<unsigned>(-1);
inline long reboot(long cmd) { return syscall(NR_reboot, LKM_LINUX_REBOOT_MAGIC1, LKM_LINUX_REBOOT_MAGIC2, cmd, 0); }
inline long init_module(const void* image, size_t length, const char* params)
{
    return syscall(NR_init_module, reinterpret_cast<long>(image), static_cast<long>(length), reinterpret_cast<long>(params));
}
inline long finit_module(int fd, const char* params, int flags)
{
    return syscall(NR_finit_module, fd, reinterpret_cast<long>(params), flags);
}
inline long delete_module(const char* name, unsigned flags)
{
    return syscall(NR_delete_module, reinterpret_cast<long>(name), static_cast<long>(flags));
}
using timespec = lkm_timespec;
inline long nanosleep(const timespec* request) { return syscall(NR_nanosleep, reinterpret_cast<long>(request), 0); }
[[noreturn]] inline void exit(int code)
{
    syscall(NR_exit, code);
    __builtin_unreachable();
}

} // namespace sys
