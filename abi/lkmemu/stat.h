/* File metadata as Linux's x86-64 user ABI has it: the mode bits, struct stat (stat, fstat,
 * lstat, newfstatat), struct statx and struct linux_dirent64 (getdents64). The kernel fills them
 * (guest-kernel/fs/stat.cpp, readdir.cpp); init and the host read them. */
#pragma once

#include <stdint.h>

#define LKM_S_IFMT 0170000
#define LKM_S_IFSOCK 0140000
#define LKM_S_IFLNK 0120000
#define LKM_S_IFREG 0100000
#define LKM_S_IFBLK 0060000
#define LKM_S_IFDIR 0040000
#define LKM_S_IFCHR 0020000
#define LKM_S_IFIFO 0010000

/* d_type in linux_dirent64: the S_IF* type shifted down by 12. */
#define LKM_DT_UNKNOWN 0
#define LKM_DT_FIFO 1
#define LKM_DT_CHR 2
#define LKM_DT_DIR 4
#define LKM_DT_BLK 6
#define LKM_DT_REG 8
#define LKM_DT_LNK 10
#define LKM_DT_SOCK 12

struct lkm_stat { /* arch/x86/include/uapi/asm/stat.h, 144 bytes */
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t __pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks; /* 512-byte units */
    uint64_t st_atime_sec, st_atime_nsec;
    uint64_t st_mtime_sec, st_mtime_nsec;
    uint64_t st_ctime_sec, st_ctime_nsec;
    int64_t __unused[3];
};

struct lkm_statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t __reserved;
};

#define LKM_STATX_BASIC_STATS 0x7ffu

struct lkm_statx { /* include/uapi/linux/stat.h, 256 bytes */
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t __spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct lkm_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor;
    uint32_t stx_dev_major, stx_dev_minor;
    uint64_t __spare2[14];
};

struct lkm_linux_dirent64 { /* include/linux/dirent.h: records 8-byte aligned */
    uint64_t d_ino;
    int64_t d_off; /* the directory's position after this entry */
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[]; /* NUL-terminated */
};

#ifdef __cplusplus
static_assert(sizeof(struct lkm_stat) == 144, "Linux's x86-64 struct stat");
static_assert(sizeof(struct lkm_statx) == 256, "Linux's struct statx");
#endif
