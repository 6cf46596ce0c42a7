/* An open file as a module's character device sees it: Linux's struct file and struct
 * file_operations (include/linux/fs.h), the fields lkmemu has. Modules name them `struct file`,
 * `struct file_operations` and `struct inode` (the SDK's linux/fs.h renames the tags); the
 * kernel, whose own file layer is smaller (include/kernel/fs.h), names them lkm_file,
 * lkm_file_operations and lkm_inode, and kernel/module/chrdev.cpp adapts between the two: one
 * lkm_file per open of a module's device, whose &f_pos it passes to read and write. */
#pragma once

#include <stddef.h>

#define LKM_FMODE_READ 0x1u  /* f_mode: opened for reading */
#define LKM_FMODE_WRITE 0x2u /* f_mode: opened for writing */

struct module; /* the owner's __this_module, as loaded */
struct lkm_file;
struct lkm_inode; /* the kernel's; modules only pass it on */

/* A driver's operations; a NULL method is EINVAL (read, write) or nothing to do (open, release).
 * The kernel does not call llseek yet: lseek on a module's device is ESPIPE. Types as Linux's:
 * long long is loff_t, long is ssize_t; buf is a user address (copy_to_user / copy_from_user). */
struct lkm_file_operations {
    struct module* owner; /* THIS_MODULE: the kernel holds a reference while the file is open */
    long long (*llseek)(struct lkm_file*, long long offset, int whence);
    long (*read)(struct lkm_file*, char* buf, size_t count, long long* pos);
    long (*write)(struct lkm_file*, const char* buf, size_t count, long long* pos);
    int (*open)(struct lkm_inode*, struct lkm_file*);
    int (*release)(struct lkm_inode*, struct lkm_file*);
};

/* One open file. The kernel allocates it (and may keep fields of its own after these). */
struct lkm_file {
    const struct lkm_file_operations* f_op;
    unsigned int f_flags; /* LKM_O_* flags given to open (lkmemu/fcntl.h) */
    unsigned int f_mode;  /* LKM_FMODE_READ | LKM_FMODE_WRITE */
    long long f_pos;      /* the kernel passes &f_pos as read/write's pos */
    void* private_data;   /* the driver's, NULL at open */
};
