// A task's open files and its place in the tree (Linux's include/linux/fdtable.h and fs_struct.h).
// The descriptor table grows as descriptors are opened, up to RLIMIT_NOFILE. A task whose files
// or fs pointer is nullptr uses the boot task's (init_files, init_fs), as Linux's kernel threads
// share them (CLONE_FILES | CLONE_FS); fork gives a process its own copy (dup_fd, copy_fs_struct).
#pragma once

#include <kernel/fs.h>
#include <kernel/types.h>

struct task_struct;

struct files_struct {
    unsigned count;       // tasks sharing it
    unsigned max_fds;     // size of fd and the bitmaps
    unsigned next_fd;     // no descriptor below is free (Linux's next_fd)
    file** fd;
    u64* open_fds;        // bitmap: fd in use (a search for the lowest free one skips words)
    u64* close_on_exec;   // bitmap: FD_CLOEXEC
};

struct fs_struct {
    unsigned users;
    u32 umask;
    path root;
    path pwd;
};

extern files_struct init_files;
extern fs_struct init_fs;
files_struct* current_files();
fs_struct* current_fs();

// Linux's RLIMIT_NOFILE default soft limit (INR_OPEN_CUR).
constexpr unsigned NR_OPEN_CUR = 1024;
unsigned rlimit_nofile();

// The lowest free descriptor >= start, reserved (the slot stays empty until fd_install_at).
// -EMFILE at the limit, -ENOMEM. cloexec sets its FD_CLOEXEC.
int alloc_fd(unsigned start, bool cloexec);
void put_unused_fd(int fd);
void fd_install_at(int fd, file* f);
// dup2/dup3: f (a new reference) at fd, whatever was there closed. 0 or -errno.
int replace_fd(unsigned fd, file* f, bool cloexec);
bool get_close_on_exec(unsigned fd);
void set_close_on_exec(unsigned fd, bool on);

// For fork: a copy of oldf (each file gets a reference), and a copy of fs.
lkm::ErrorOr<files_struct*> dup_fd(files_struct* oldf);
void put_files_struct(files_struct* files);
lkm::ErrorOr<fs_struct*> copy_fs_struct(fs_struct* old);
void free_fs_struct(fs_struct* fs);
// Replace a path in fs (chdir, chroot): takes p's reference.
void set_fs_pwd(fs_struct* fs, const path* p);
