// What the files of fs/ share (as Linux's fs/internal.h and include/linux/namei.h): getname, the
// path walk's state and entry points, permission checks, and the steps of open.
#pragma once

#include <kernel/dcache.h>
#include <kernel/fdtable.h>
#include <kernel/fs.h>
#include <kernel/slab.h>
#include <kernel/types.h>
#include <loader/error_or.h>

// namei.cpp: a path from user space (Linux's getname), in a PATH_MAX buffer of its own.
// EFAULT, ENAMETOOLONG (no NUL within PATH_MAX bytes), ENOENT (empty), ENOMEM.
lkm::ErrorOr<KBuffer<char>> getname(u64 user_path);
// As getname, but an empty path is allowed (for AT_EMPTY_PATH).
lkm::ErrorOr<KBuffer<char>> getname_flags(u64 user_path, bool allow_empty);

constexpr int MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;
u32 current_fsuid(); // the uid permission checks use (0 before the first task exists)
int inode_permission(const inode* i, int mask); // 0 or -EACCES

constexpr unsigned LOOKUP_FOLLOW = 0x1;    // follow a symlink in the last component
constexpr unsigned LOOKUP_DIRECTORY = 0x2; // the result must be a directory
constexpr unsigned LOOKUP_EMPTY = 0x4;     // "" means the starting directory (AT_EMPTY_PATH)

enum class last_type { norm, root, dot, dotdot };

// The walk's state (Linux's struct nameidata). It owns its references and buffers: a path is
// walked in place; a symlink met on the way is spliced in front of what is left, in one of two
// PATH_MAX buffers, so nested links cost no stack.
struct nameidata {
    struct path path {};
    struct path root {};
    unsigned total_link_count = 0;
    const char* last = nullptr; // the last component (after link_path_walk), not NUL-ended
    size_t last_len = 0;
    last_type type = last_type::norm;
    bool trailing_slash = false;
    KBuffer<char> buf[2];
    int holding = -1; // which buffer holds the name being walked (-1: the caller's)

    nameidata() = default;
    nameidata(const nameidata&) = delete;
    nameidata& operator=(const nameidata&) = delete;
    ~nameidata();
};

// The path the walk of name from dfd (AT_FDCWD, or a directory's descriptor) ends at, into *out
// (a reference). ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES, EBADF.
int filename_lookup(int dfd, const char* name, unsigned flags, path* out);
// The directory that would hold the last component of name, into nd.path, the component in
// nd.last / nd.last_len / nd.type.
int filename_parentat(int dfd, const char* name, nameidata& nd);
// The dentry for nd.last in nd.path (positive, or a new negative one): a reference.
lkm::ErrorOr<dentry*> lookup_last(nameidata& nd);

// d_path: the absolute path of p as seen from root, written at the end of buf; its start, or
// nullptr (ENAMETOOLONG).
char* d_path(const path* p, const path* root, char* buf, size_t size);

// open.cpp: open the file at p (a reference that passes to the file).
file* dentry_open(const path* p, u32 flags, int* error);
file* do_filp_open(int dfd, const char* name, u32 flags, u32 mode, int* error);
// Permission for an open with flags (MAY_READ/MAY_WRITE from the access mode).
int may_open(const path* p, u32 flags);
int vfs_truncate(inode* i, u64 length);

// The file's inode for fstat and friends.
inline inode* file_inode(const file* f) { return f->f_opened; }
// A descriptor's file as an fd-taking call sees it: EBADF for none, and for an O_PATH file unless
// path_ok.
file* fget_checked(int fd, bool path_ok);

// char_dev.cpp: the driver of a character device (nullptr: none registered).
const file_operations* chrdev_fops(unsigned major);

// ramfs/: the operations dcache-resident file systems share.
int dcache_dir_open(file* f);
void dcache_dir_release(file* f);

// proc/: the file systems' roots, for vfs_init's mounts.
super_block* proc_super();
void proc_init();

// names.cpp: making and removing names (kernel strings; the system calls and fs/init.cpp use
// them). Modes are final: callers apply the umask where Linux does.
int do_mknodat(int dfd, const char* name, u32 mode, u32 dev);
int do_mkdirat(int dfd, const char* name, u32 mode);
int do_rmdir(int dfd, const char* name);
int do_unlinkat(int dfd, const char* name);
int do_symlinkat(const char* target, int dfd, const char* name);
int do_linkat(int olddfd, const char* oldname, int newdfd, const char* newname, unsigned flags);
int do_renameat2(int olddfd, const char* oldname, int newdfd, const char* newname, unsigned flags);
