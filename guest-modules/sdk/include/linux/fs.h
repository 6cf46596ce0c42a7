// Character devices (linux/fs.h): register_chrdev and the file operations a driver provides.
//
// register_chrdev(0, "name", &fops) adds an entry to the kernel's character-device table and
// returns its major number; user space then reaches it as /dev/name with open/read/write/close.
// unregister_chrdev removes the entry: later opens fail with ENOENT.
//
// struct file and struct file_operations are shared with the kernel, which reads and fills them:
// they are the contract's (abi/lkmemu/fs.h), given Linux's names here.
#pragma once

#include <lkmemu/fcntl.h>
#include <linux/compiler.h>
#include <linux/fcntl.h>
#include <linux/types.h>

/* The kernel names them lkm_file, lkm_file_operations and lkm_inode (its own file layer has a
 * smaller struct file); a module sees Linux's tags. */
#define lkm_file file
#define lkm_file_operations file_operations
#define lkm_inode inode
#include <lkmemu/fs.h>
#undef lkm_file
#undef lkm_file_operations
#undef lkm_inode

#define FMODE_READ LKM_FMODE_READ
#define FMODE_WRITE LKM_FMODE_WRITE

#define SEEK_SET LKM_SEEK_SET
#define SEEK_CUR LKM_SEEK_CUR
#define SEEK_END LKM_SEEK_END

__LKM_BEGIN_DECLS
/* major 0 asks for a free major number, which is returned; otherwise returns 0 on success.
 * Negative errno: -EBUSY (major or name taken), -EINVAL (bad name), -ENOMEM. */
int register_chrdev(unsigned int major, const char* name, const struct file_operations* fops);
void unregister_chrdev(unsigned int major, const char* name);
__LKM_END_DECLS
