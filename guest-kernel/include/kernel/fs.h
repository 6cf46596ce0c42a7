// The virtual file system (fs/), Linux's in miniature: inodes, a dentry cache (include/kernel/
// dcache.h), mounts, the path walk (fs/namei.cpp), reference-counted open files, per-task
// descriptor tables (files_struct) and roots (fs_struct). The root is a ramfs; /proc is procfs and
// /dev a devtmpfs-like ramfs whose device nodes name character devices registered by major. A
// module's device sees Linux's larger struct file instead (abi/lkmemu/fs.h's lkm_file):
// kernel/module/chrdev.cpp adapts between the two.
#pragma once

#include <lkmemu/fcntl.h>
#include <lkmemu/stat.h>
#include <kernel/mm.h>
#include <kernel/types.h>

struct file;
struct dentry;
struct super_block;
struct vfsmount;
struct inode_operations;
struct file_operations;

// Linux's PATH_MAX and NAME_MAX (include/uapi/linux/limits.h).
constexpr size_t PATH_MAX = 4096; // the longest path, NUL included
constexpr size_t NAME_MAX = 255;  // the longest component

constexpr u32 S_IFMT = LKM_S_IFMT, S_IFREG = LKM_S_IFREG, S_IFDIR = LKM_S_IFDIR, S_IFLNK = LKM_S_IFLNK,
              S_IFCHR = LKM_S_IFCHR, S_IFBLK = LKM_S_IFBLK, S_IFIFO = LKM_S_IFIFO, S_IFSOCK = LKM_S_IFSOCK;
constexpr bool S_ISREG(u32 mode) { return (mode & S_IFMT) == S_IFREG; }
constexpr bool S_ISDIR(u32 mode) { return (mode & S_IFMT) == S_IFDIR; }
constexpr bool S_ISLNK(u32 mode) { return (mode & S_IFMT) == S_IFLNK; }
constexpr bool S_ISCHR(u32 mode) { return (mode & S_IFMT) == S_IFCHR; }
constexpr u32 S_IALLUGO = 07777;

// Device numbers as Linux's kdev_t: 12 bits of major, 20 of minor.
constexpr u32 MINORBITS = 20;
constexpr u32 MKDEV(unsigned major, unsigned minor) { return (major << MINORBITS) | minor; }
constexpr unsigned MAJOR(u32 dev) { return dev >> MINORBITS; }
constexpr unsigned MINOR(u32 dev) { return dev & ((1u << MINORBITS) - 1); }

// An inode (Linux's struct inode): the object a name refers to. kernel_read_file reads i_mode
// and i_size; a driver whose device is read as a regular file (the harness's module data) points
// f_inode at an inode of its own with just those two set. (The contract's opaque struct
// lkm_inode, abi/lkmemu/fs.h, is this.)
struct lkm_inode {
    u32 i_mode;  // S_IF* | permission bits
    u64 i_size;  // may change between reads (the harness's module file is one per request)
    u32 i_uid, i_gid;
    u32 i_nlink; // names (directories: 2 + subdirectories); freed at 0 with no opener
    u32 i_rdev;  // a device node's MKDEV(major, minor)
    u64 i_ino;
    s64 i_atime, i_mtime, i_ctime; // seconds since boot
    unsigned i_count; // references: dentries and open files
    const inode_operations* i_op;
    const file_operations* i_fop; // what an open of it starts with
    super_block* i_sb;
    void* i_private; // the file system's (ramfs: the data pages; procfs: the show function)
    struct pipe_inode_info* i_pipe; // a pipe's, or a FIFO's while open (fs/pipe.cpp)
};
using inode = lkm_inode;

struct file_operations {
    int (*open)(file* f);                                     // optional
    ssize_t (*read)(file* f, u64 user_buf, size_t count);     // nullptr: EINVAL
    ssize_t (*write)(file* f, u64 user_buf, size_t count);    // nullptr: EINVAL
    void (*release)(file* f);                                 // optional
    // lseek: what lseek(2) returns, the new offset (Linux's /dev/kmsg says 0) or -errno.
    // nullptr: ESPIPE.
    long (*llseek)(file* f, s64 offset, int whence);
    // Linux's kernel_read: count bytes at pos into kernel memory (kernel_read_file's reads).
    ssize_t (*read_kernel)(file* f, void* buf, size_t count, u64 pos); // nullptr: EINVAL
    // Positioned user reads and writes (pread64 and the file's own read/write go through these
    // when set, with &f_pos). nullptr: read/write above, and ESPIPE for pread/pwrite.
    ssize_t (*read_iter)(file* f, u64 user_buf, size_t count, u64* pos);
    ssize_t (*write_iter)(file* f, u64 user_buf, size_t count, u64* pos);
    // getdents64: emit entries from f_pos on through emit; 0 or -errno.
    int (*iterate)(file* f, struct dir_context* ctx);
    long (*unlocked_ioctl)(file* f, unsigned cmd, u64 arg); // nullptr: ENOTTY
    // Linux's kernel_write: count bytes from kernel memory at pos (fs/init.cpp's files).
    ssize_t (*write_kernel)(file* f, const void* buf, size_t count, u64 pos);
    // poll/select (fs/select.cpp, include/kernel/poll.h): the POLL* events ready now, after
    // poll_wait() on each wait queue whose wake_up may change them. nullptr: always readable
    // and writable (DEFAULT_POLLMASK), as Linux's vfs_poll.
    unsigned (*poll)(file* f, struct poll_table_struct* pt);
};

// A name emitted by a directory's iterate (Linux's dir_context); emit returns false when the
// caller's buffer is full (the entry was not taken: f_pos must stay at it).
struct dir_context {
    bool (*emit)(dir_context* ctx, const char* name, size_t length, u64 ino, unsigned type);
};

// The contract's open flags and lseek origins (abi/lkmemu/fcntl.h), by Linux's names.
constexpr u32 O_RDONLY = LKM_O_RDONLY, O_WRONLY = LKM_O_WRONLY, O_RDWR = LKM_O_RDWR, O_ACCMODE = LKM_O_ACCMODE;
constexpr u32 O_NONBLOCK = LKM_O_NONBLOCK; // a read with nothing to return fails with EAGAIN
constexpr u32 O_CREAT = LKM_O_CREAT, O_EXCL = LKM_O_EXCL, O_TRUNC = LKM_O_TRUNC, O_APPEND = LKM_O_APPEND,
              O_DIRECTORY = LKM_O_DIRECTORY, O_NOFOLLOW = LKM_O_NOFOLLOW, O_CLOEXEC = LKM_O_CLOEXEC,
              O_PATH = LKM_O_PATH, O_NOCTTY = LKM_O_NOCTTY, O_LARGEFILE = LKM_O_LARGEFILE;
constexpr int SEEK_SET = LKM_SEEK_SET, SEEK_CUR = LKM_SEEK_CUR, SEEK_END = LKM_SEEK_END;

// A place in the tree: a dentry as seen through a mount.
struct path {
    vfsmount* mnt;
    dentry* dentry;
};
void path_get(const path* p);
void path_put(const path* p);

struct file {
    unsigned f_count; // references (descriptors, dup, the kernel's): the last fput releases
    const file_operations* f_op;
    u32 f_flags;
    u64 f_pos;
    unsigned minor;
    void* private_data; // the driver's
    // What kernel_read_file reads: the opened inode, or one a driver put in its place (nullptr
    // for an O_PATH file or a driver that says its device is not a regular file).
    const lkm_inode* f_inode;
    inode* f_opened; // the inode opened (a reference: an unlinked file lives on), fstat's
    path f_path;     // what was opened (a reference)
    u64 f_version;   // a FIFO reader's w_counter at open: no POLLHUP before a writer came (fs/pipe.cpp)
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
// A device node at path (e.g. "/dev/harness") for (major, minor), owned by root with mode: a
// character-device inode made in the tree (devtmpfs's nodes). -EEXIST if path is taken,
// -ENOENT if its directory is not there, -ENOMEM.
int register_device_node(const char* path, unsigned major, unsigned minor, u32 mode);
void unregister_device_node(const char* path); // later opens of path fail with ENOENT

// A read-only text file generated when opened (fs/proc/). show writes up to size bytes into
// buf and returns the full length it needs (like snprintf), or a negative errno.
using proc_show_fn = ssize_t (*)(char* buf, size_t size);
// path ("/proc/NAME", directories below /proc made as needed) is not copied: it must outlive
// the file. 0, -EEXIST, -EINVAL or -ENOMEM.
int register_proc_file(const char* path, proc_show_fn show);

// Resolve path (absolute, or from the current directory) for the current task, permission checks
// included, and open it: the file has one reference (f_count 1). nullptr and *error = -errno.
file* vfs_open(const char* path, u32 flags, int* error);
// Linux's get_file / fput: another reference to an open file, and dropping one; the last fput
// calls the driver's release, drops the path and frees the file. vfs_close is fput.
file* get_file(file* f);
void fput(file* f);
void vfs_close(file* f);

// The current task's descriptors (fs/fdtable.cpp).
int fd_install(file* f); // lowest free fd (the reference passes to the table), or -EMFILE
file* fd_get(int fd);    // nullptr if not open (no reference taken)
file* fd_remove(int fd); // the table's reference passes to the caller
void close_files();      // every descriptor of the current task (exit)

// Mounts the root ramfs and, on directories it makes, procfs at /proc and devtmpfs at /dev; the
// boot task gets root and cwd "/" and umask 022. Then /proc/modules and friends.
void vfs_init();
