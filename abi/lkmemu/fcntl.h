/* open(2) flags and lseek(2) origins, with Linux's x86-64 values: used by the kernel's open,
 * lseek and delete_module, by init, by modules (the SDK's linux/fs.h) and by the host when it
 * builds requests. delete_module(2) reads O_NONBLOCK ("do not wait") and O_TRUNC ("force",
 * kmod's rmmod -f) from the same bits, as Linux does. */
#pragma once

#define LKM_O_ACCMODE 03
#define LKM_O_RDONLY 00
#define LKM_O_WRONLY 01
#define LKM_O_RDWR 02
#define LKM_O_TRUNC 01000
#define LKM_O_NONBLOCK 04000 /* a read with nothing to return fails with EAGAIN */

#define LKM_SEEK_SET 0
#define LKM_SEEK_CUR 1
#define LKM_SEEK_END 2
