// Character devices (linux/fs.h): register_chrdev and the file operations a driver provides.
//
// register_chrdev(0, "name", &fops) adds an entry to the kernel's character-device table and
// returns its major number; user space then reaches it as /dev/name with open/read/write/close.
// unregister_chrdev removes the entry: later opens fail with ENOENT.
//
// struct file and struct file_operations are shared with the kernel, which reads and fills them:
// their layout (checked below) is part of the module ABI.
#pragma once

#include <linux/compiler.h>
#include <linux/types.h>

struct module;
struct inode; /* the kernel's; modules only pass it on */
struct file;

struct file_operations {
    struct module* owner; /* THIS_MODULE: the kernel holds a reference while the file is open */
    loff_t (*llseek)(struct file*, loff_t offset, int whence);
    ssize_t (*read)(struct file*, char __user* buf, size_t count, loff_t* pos);
    ssize_t (*write)(struct file*, const char __user* buf, size_t count, loff_t* pos);
    int (*open)(struct inode*, struct file*);
    int (*release)(struct inode*, struct file*);
};

/* One open file. The kernel allocates it (and may keep fields of its own after these). */
struct file {
    const struct file_operations* f_op;
    unsigned int f_flags; /* O_* flags given to open */
    fmode_t f_mode;
    loff_t f_pos;        /* the kernel passes &f_pos as read/write's pos */
    void* private_data;  /* the driver's, NULL at open */
};

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

__LKM_BEGIN_DECLS
/* major 0 asks for a free major number, which is returned; otherwise returns 0 on success.
 * Negative errno: -EBUSY (major or name taken), -EINVAL (bad name), -ENOMEM. */
int register_chrdev(unsigned int major, const char* name, const struct file_operations* fops);
void unregister_chrdev(unsigned int major, const char* name);
__LKM_END_DECLS

__LKM_STATIC_ASSERT(sizeof(struct file_operations) == 48, "file_operations layout is ABI");
__LKM_STATIC_ASSERT(offsetof(struct file_operations, read) == 16, "file_operations layout is ABI");
__LKM_STATIC_ASSERT(offsetof(struct file_operations, release) == 40, "file_operations is ABI");
__LKM_STATIC_ASSERT(offsetof(struct file, f_pos) == 16, "struct file layout is ABI");
__LKM_STATIC_ASSERT(offsetof(struct file, private_data) == 24, "struct file layout is ABI");
