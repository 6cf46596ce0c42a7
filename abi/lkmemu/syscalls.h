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
    X(4, stat, (uint64_t filename, uint64_t statbuf))                                              \
    X(5, fstat, (unsigned fd, uint64_t statbuf))                                                   \
    X(6, lstat, (uint64_t filename, uint64_t statbuf))                                             \
    X(7, poll, (uint64_t ufds, unsigned nfds, int timeout_msecs)) /* lkmemu/poll.h */              \
    X(8, lseek, (unsigned fd, int64_t offset, unsigned whence))                                    \
    X(9, mmap, (uint64_t addr, size_t len, unsigned long prot, unsigned long flags,                \
                unsigned long fd, unsigned long off)) /* flags, prot: lkmemu/mman.h */             \
    X(10, mprotect, (uint64_t start, size_t len, unsigned long prot))                              \
    X(11, munmap, (uint64_t addr, size_t len))                                                     \
    X(12, brk, (uint64_t brk))                                                                     \
    X(13, rt_sigaction, (int sig, uint64_t act, uint64_t oact, size_t sigsetsize))                 \
    X(14, rt_sigprocmask, (int how, uint64_t nset, uint64_t oset, size_t sigsetsize))              \
    X(15, rt_sigreturn, ()) /* the frame is at the user RSP */                                     \
    X(16, ioctl, (unsigned fd, unsigned cmd, uint64_t arg))                                        \
    X(17, pread64, (unsigned fd, uint64_t buf, size_t count, int64_t pos))                         \
    X(18, pwrite64, (unsigned fd, uint64_t buf, size_t count, int64_t pos))                        \
    X(19, readv, (unsigned fd, uint64_t vec, unsigned long vlen))                                  \
    X(20, writev, (unsigned fd, uint64_t vec, unsigned long vlen))                                 \
    X(21, access, (uint64_t filename, int mode))                                                   \
    X(22, pipe, (uint64_t fildes)) /* int[2]: read end, write end */                               \
    X(23, select, (int n, uint64_t inp, uint64_t outp, uint64_t exp, uint64_t tvp))                \
    X(24, sched_yield, ())                                                                         \
    X(25, mremap, (uint64_t addr, size_t old_len, size_t new_len, unsigned long flags,             \
                   uint64_t new_addr))                                                             \
    X(28, madvise, (uint64_t start, size_t len, int advice))                                       \
    X(32, dup, (unsigned fildes))                                                                  \
    X(33, dup2, (unsigned oldfd, unsigned newfd))                                                  \
    X(34, pause, ())                                                                               \
    X(35, nanosleep, (uint64_t req, uint64_t rem)) /* struct timespec * twice */                   \
    X(39, getpid, ())                                                                              \
    X(56, clone, (unsigned long clone_flags, uint64_t newsp, uint64_t parent_tidptr,               \
               uint64_t child_tidptr, uint64_t tls)) /* flags: lkmemu/sched.h */                   \
    X(57, fork, ())                                                                                \
    X(58, vfork, ())                                                                               \
    X(59, execve, (uint64_t filename, uint64_t argv, uint64_t envp))                               \
    X(60, exit, (int error_code))                                                                  \
    X(61, wait4, (int upid, uint64_t stat_addr, int options, uint64_t ru)) /* lkmemu/wait.h */     \
    X(62, kill, (int pid, int sig))                                                                \
    X(63, uname, (uint64_t name))                                                                  \
    X(72, fcntl, (unsigned fd, unsigned cmd, uint64_t arg))                                        \
    X(76, truncate, (uint64_t filename, int64_t length))                                           \
    X(77, ftruncate, (unsigned fd, int64_t length))                                                \
    X(79, getcwd, (uint64_t buf, size_t size))                                                     \
    X(80, chdir, (uint64_t filename))                                                              \
    X(81, fchdir, (unsigned fd))                                                                   \
    X(82, rename, (uint64_t oldname, uint64_t newname))                                            \
    X(83, mkdir, (uint64_t pathname, unsigned mode))                                               \
    X(84, rmdir, (uint64_t pathname))                                                              \
    X(85, creat, (uint64_t pathname, unsigned mode))                                               \
    X(86, link, (uint64_t oldname, uint64_t newname))                                              \
    X(87, unlink, (uint64_t pathname))                                                             \
    X(88, symlink, (uint64_t oldname, uint64_t newname))                                           \
    X(89, readlink, (uint64_t pathname, uint64_t buf, int bufsiz))                                 \
    X(90, chmod, (uint64_t filename, unsigned mode))                                               \
    X(91, fchmod, (unsigned fd, unsigned mode))                                                    \
    X(92, chown, (uint64_t filename, unsigned user, unsigned group))                               \
    X(93, fchown, (unsigned fd, unsigned user, unsigned group))                                    \
    X(94, lchown, (uint64_t filename, unsigned user, unsigned group))                              \
    X(95, umask, (int mask))                                                                       \
    X(96, gettimeofday, (uint64_t tv, uint64_t tz))                                                \
    X(97, getrlimit, (unsigned resource, uint64_t rlim))                                           \
    X(99, sysinfo, (uint64_t info))                                                                \
    X(100, times, (uint64_t tbuf))                                                                 \
    X(102, getuid, ())                                                                             \
    X(103, syslog, (int type, uint64_t buf, int len))                                              \
    X(104, getgid, ())                                                                             \
    X(105, setuid, (unsigned uid))                                                                 \
    X(106, setgid, (unsigned gid))                                                                 \
    X(107, geteuid, ())                                                                            \
    X(108, getegid, ())                                                                            \
    X(109, setpgid, (int pid, int pgid))                                                           \
    X(110, getppid, ())                                                                            \
    X(111, getpgrp, ())                                                                            \
    X(112, setsid, ())                                                                             \
    X(113, setreuid, (unsigned ruid, unsigned euid))                                               \
    X(114, setregid, (unsigned rgid, unsigned egid))                                               \
    X(115, getgroups, (int size, uint64_t list))                                                   \
    X(116, setgroups, (int size, uint64_t list))                                                   \
    X(117, setresuid, (unsigned ruid, unsigned euid, unsigned suid)) /* (unsigned)-1: unchanged */ \
    X(118, getresuid, (uint64_t ruid, uint64_t euid, uint64_t suid))                               \
    X(119, setresgid, (unsigned rgid, unsigned egid, unsigned sgid))                               \
    X(120, getresgid, (uint64_t rgid, uint64_t egid, uint64_t sgid))                               \
    X(121, getpgid, (int pid))                                                                     \
    X(124, getsid, (int pid))                                                                      \
    X(127, rt_sigpending, (uint64_t set, size_t sigsetsize))                                       \
    X(129, rt_sigqueueinfo, (int pid, int sig, uint64_t uinfo))                                    \
    X(130, rt_sigsuspend, (uint64_t unewset, size_t sigsetsize))                                   \
    X(131, sigaltstack, (uint64_t uss, uint64_t uoss))                                             \
    X(133, mknod, (uint64_t filename, unsigned mode, unsigned dev))                                \
    X(157, prctl, (int option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5))        \
    X(158, arch_prctl, (int option, uint64_t arg2))                                                \
    X(160, setrlimit, (unsigned resource, uint64_t rlim))                                          \
    X(169, reboot, (int magic1, int magic2, unsigned cmd, uint64_t arg))                           \
    X(170, sethostname, (uint64_t name, int len))                                                  \
    X(171, setdomainname, (uint64_t name, int len))                                                \
    X(175, init_module, (uint64_t umod, uint64_t len, uint64_t uargs))                             \
    X(176, delete_module, (uint64_t name, unsigned flags)) /* flags: lkmemu/fcntl.h */             \
    X(186, gettid, ())                                                                             \
    X(200, tkill, (int pid, int sig))                                                              \
    X(201, time, (uint64_t tloc))                                                                  \
    X(204, sched_getaffinity, (int pid, unsigned len, uint64_t user_mask_ptr))                     \
    X(217, getdents64, (unsigned fd, uint64_t dirent, unsigned count))                             \
    X(218, set_tid_address, (uint64_t tidptr))                                                     \
    X(228, clock_gettime, (int which_clock, uint64_t tp))                                          \
    X(229, clock_getres, (int which_clock, uint64_t tp))                                           \
    X(230, clock_nanosleep, (int which_clock, int flags, uint64_t rqtp, uint64_t rmtp))           \
    X(231, exit_group, (int error_code))                                                           \
    X(234, tgkill, (int tgid, int pid, int sig))                                                   \
    X(247, waitid, (int which, int upid, uint64_t infop, int options, uint64_t ru))                \
    X(257, openat, (int dfd, uint64_t filename, int flags, unsigned mode))                         \
    X(258, mkdirat, (int dfd, uint64_t pathname, unsigned mode))                                   \
    X(259, mknodat, (int dfd, uint64_t filename, unsigned mode, unsigned dev))                     \
    X(260, fchownat, (int dfd, uint64_t filename, unsigned user, unsigned group, int flag))        \
    X(262, newfstatat, (int dfd, uint64_t filename, uint64_t statbuf, int flag))                   \
    X(263, unlinkat, (int dfd, uint64_t pathname, int flag))                                       \
    X(264, renameat, (int olddfd, uint64_t oldname, int newdfd, uint64_t newname))                 \
    X(265, linkat, (int olddfd, uint64_t oldname, int newdfd, uint64_t newname, int flags))        \
    X(266, symlinkat, (uint64_t oldname, int newdfd, uint64_t newname))                            \
    X(267, readlinkat, (int dfd, uint64_t pathname, uint64_t buf, int bufsiz))                     \
    X(268, fchmodat, (int dfd, uint64_t filename, unsigned mode))                                  \
    X(269, faccessat, (int dfd, uint64_t filename, int mode))                                      \
    X(270, pselect6, (int n, uint64_t inp, uint64_t outp, uint64_t exp, uint64_t tsp,              \
                      uint64_t sig)) /* sig: { sigset_t *ss; size_t ss_len; } */                   \
    X(271, ppoll, (uint64_t ufds, unsigned nfds, uint64_t tsp, uint64_t sigmask, size_t sigsetsize))\
    X(273, set_robust_list, (uint64_t head, size_t len))                                           \
    X(274, get_robust_list, (int pid, uint64_t head_ptr, uint64_t len_ptr))                        \
    X(292, dup3, (unsigned oldfd, unsigned newfd, int flags))                                      \
    X(293, pipe2, (uint64_t fildes, int flags)) /* flags: O_CLOEXEC, O_NONBLOCK */                 \
    X(302, prlimit64, (int pid, unsigned resource, uint64_t new_rlim, uint64_t old_rlim))          \
    X(309, getcpu, (uint64_t cpu, uint64_t node, uint64_t unused))                                 \
    X(313, finit_module, (int fd, uint64_t uargs, int flags)) /* flags: LKM_MODULE_INIT_* */       \
    X(316, renameat2, (int olddfd, uint64_t oldname, int newdfd, uint64_t newname, unsigned flags))\
    X(318, getrandom, (uint64_t buf, size_t count, unsigned flags)) /* flags: lkmemu/random.h */   \
    X(322, execveat, (int fd, uint64_t filename, uint64_t argv, uint64_t envp, int flags))         \
    X(332, statx, (int dfd, uint64_t filename, unsigned flags, unsigned mask, uint64_t buffer))    \
    X(439, faccessat2, (int dfd, uint64_t filename, int mode, int flags))
