// A tiny file layer: per-task file descriptors (fs/file_table.cpp), character devices registered
// by major number with device nodes by path (fs/char_dev.cpp, a devtmpfs stand-in), generated
// text files such as /proc/modules (fs/proc.cpp), and open/close/read/write. A module's device
// sees Linux's larger struct file instead (abi/lkmemu/fs.h's lkm_file): kernel/module/chrdev.cpp
// adapts between the two.
#pragma once

#include <lkmemu/fcntl.h>
#include <kernel/mm.h>
#include <kernel/types.h>

struct file;

// What kernel_read_file asks of the object a file is open on (Linux's struct inode, the two
// fields it reads): its type and size. Device nodes and /proc files have none (nullptr), so they
// are not regular files: finit_module refuses them with EINVAL, as Linux does a char device.
// (The contract's opaque struct lkm_inode, abi/lkmemu/fs.h: the kernel's to define.)
struct lkm_inode {
    u32 i_mode; // S_IFREG | permission bits
    u64 i_size; // may change between reads (the harness's module file is one per request)
};
constexpr u32 S_IFMT = 0170000, S_IFREG = 0100000;
constexpr bool S_ISREG(u32 mode) { return (mode & S_IFMT) == S_IFREG; }

struct file_operations {
    int (*open)(file* f);                                     // optional
    ssize_t (*read)(file* f, u64 user_buf, size_t count);     // nullptr: EINVAL
    ssize_t (*write)(file* f, u64 user_buf, size_t count);    // nullptr: EINVAL
    void (*release)(file* f);                                 // optional
    long (*llseek)(file* f, s64 offset, int whence);          // nullptr: ESPIPE; 0 or -errno
    // Linux's kernel_read: count bytes at pos into kernel memory (kernel_read_file's reads).
    ssize_t (*read_kernel)(file* f, void* buf, size_t count, u64 pos); // nullptr: EINVAL
};

// The contract's open flags and lseek origins (abi/lkmemu/fcntl.h), by Linux's names.
constexpr u32 O_RDONLY = LKM_O_RDONLY, O_WRONLY = LKM_O_WRONLY, O_RDWR = LKM_O_RDWR, O_ACCMODE = LKM_O_ACCMODE;
constexpr u32 O_NONBLOCK = LKM_O_NONBLOCK; // a read with nothing to return fails with EAGAIN
constexpr int SEEK_SET = LKM_SEEK_SET, SEEK_CUR = LKM_SEEK_CUR, SEEK_END = LKM_SEEK_END;

struct file {
    const file_operations* f_op;
    u32 f_flags;
    u64 f_pos;
    unsigned minor;
    void* private_data; // the driver's
    const lkm_inode* f_inode; // set by a driver whose file is a regular file; nullptr otherwise
};

// fs/kernel_read_file.cpp (Linux's fs/kernel_read_file.c): the whole of a regular file, read by
// the kernel itself into one uninitialised allocation of the size its inode gives. EBADF (not
// open for reading), EINVAL (not a regular file, empty, or no kernel read), EFBIG (larger than
// max_size), ENOMEM, EIO (the file ended early), or the driver's error. *size receives the size.
lkm::ErrorOr<page_buffer> kernel_read_file(file* f, size_t max_size, size_t* size);

// Character devices, as Linux's register_chrdev: major 1..511, or 0 for a free one from Linux's
// dynamic ranges. Returns 0 (the chosen major when major was 0), -EBUSY or -EINVAL.
int register_chrdev(unsigned major, const char* name, const file_operations* fops);
void unregister_chrdev(unsigned major);
// A device node at path (e.g. "/dev/harness") for (major, minor), owned by root with mode.
// -EEXIST if path is taken, -ENOMEM.
int register_device_node(const char* path, unsigned major, unsigned minor, u32 mode);
void unregister_device_node(const char* path); // later opens of path fail with ENOENT

// A read-only text file generated when opened (fs/proc.cpp). show writes up to size bytes into
// buf and returns the full length it needs (like snprintf), or a negative errno.
using proc_show_fn = ssize_t (*)(char* buf, size_t size);
// path is not copied: it must outlive the file. 0, -EEXIST or -ENOMEM.
int register_proc_file(const char* path, proc_show_fn show);

// Resolve path for the current task (permission checks included) and open it.
// Returns a file to install in the fd table, or a negative errno in *error.
file* vfs_open(const char* path, u32 flags, int* error);
void vfs_close(file* f);

// The current task's descriptors.
int fd_install(file* f); // lowest free fd, or -EMFILE
file* fd_get(int fd);    // nullptr if not open
file* fd_remove(int fd);
void close_files();      // every descriptor of the current task (exit)

void fs_init(); // /proc/modules and friends
