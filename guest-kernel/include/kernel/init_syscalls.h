// The kernel's own file-system calls for building the boot-time tree (Linux's
// include/linux/init_syscalls.h, fs/init.c): what init/initramfs.cpp unpacks the initramfs with.
// Paths are absolute kernel strings, walked from the root as the current task (root) would.
// Each returns 0 or a negative errno; none follows a symlink in the last component.
#pragma once

#include <kernel/types.h>

int init_mkdir(const char* pathname, u32 mode);                    // mode: permission bits
int init_mknod(const char* filename, u32 mode, unsigned dev);       // mode: S_IFCHR/S_IFBLK/S_IFIFO/S_IFSOCK | perms
int init_symlink(const char* oldname, const char* newname);         // newname -> oldname
int init_link(const char* oldname, const char* newname);            // a hard link
// A regular file holding size bytes of data (Linux's filp_open + kernel_write + close).
int init_create_file(const char* pathname, u32 mode, const void* data, size_t size);
int init_chown(const char* filename, u32 uid, u32 gid);
int init_chmod(const char* filename, u32 mode);
int init_utimes(const char* filename, s64 mtime_seconds);
int init_unlink(const char* pathname);
int init_rmdir(const char* pathname);
