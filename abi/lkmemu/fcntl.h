/* open(2) flags and lseek(2) origins, with Linux's x86-64 values: used by the kernel's open,
 * lseek and delete_module, by init, by modules (the SDK's linux/fs.h) and by the host when it
 * builds requests. delete_module(2) reads O_NONBLOCK ("do not wait") and O_TRUNC ("force",
 * kmod's rmmod -f) from the same bits, as Linux does. */
#pragma once

#define LKM_O_ACCMODE 03
#define LKM_O_RDONLY 00
#define LKM_O_WRONLY 01
#define LKM_O_RDWR 02
#define LKM_O_CREAT 0100
#define LKM_O_EXCL 0200
#define LKM_O_NOCTTY 0400
#define LKM_O_TRUNC 01000
#define LKM_O_APPEND 02000
#define LKM_O_NONBLOCK 04000 /* a read with nothing to return fails with EAGAIN */
#define LKM_O_LARGEFILE 0100000
#define LKM_O_DIRECTORY 0200000
#define LKM_O_NOFOLLOW 0400000
#define LKM_O_CLOEXEC 02000000
#define LKM_O_PATH 010000000

/* The *at calls' directory and flags. */
#define LKM_AT_FDCWD (-100)
#define LKM_AT_SYMLINK_NOFOLLOW 0x100
#define LKM_AT_REMOVEDIR 0x200 /* unlinkat */
#define LKM_AT_EACCESS 0x200   /* faccessat2 */
#define LKM_AT_SYMLINK_FOLLOW 0x400
#define LKM_AT_EMPTY_PATH 0x1000
#define LKM_RENAME_NOREPLACE 0x1

/* fcntl(2) commands. */
#define LKM_F_DUPFD 0
#define LKM_F_GETFD 1
#define LKM_F_SETFD 2
#define LKM_F_GETFL 3
#define LKM_F_SETFL 4
#define LKM_F_DUPFD_CLOEXEC 1030
#define LKM_F_SETPIPE_SZ 1031 /* a pipe's capacity in bytes (rounded to a power-of-two page count) */
#define LKM_F_GETPIPE_SZ 1032
#define LKM_FD_CLOEXEC 1

/* access(2) modes. */
#define LKM_F_OK 0
#define LKM_X_OK 1
#define LKM_W_OK 2
#define LKM_R_OK 4

#define LKM_SEEK_SET 0
#define LKM_SEEK_CUR 1
#define LKM_SEEK_END 2
