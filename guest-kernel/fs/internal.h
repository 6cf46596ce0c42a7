// What the files of fs/ share (as Linux's fs/internal.h): the path tables, getname, and the
// lookups vfs_open makes.
#pragma once

#include <kernel/fs.h>
#include <kernel/slab.h>
#include <kernel/types.h>
#include <loader/error_or.h>

// Linux's PATH_MAX (include/uapi/linux/limits.h): the longest path, NUL included.
constexpr size_t PATH_MAX = 4096;

// Named things (device nodes, /proc files) in a table as large as what is registered: each
// embeds a path_entry, chained in hash buckets as Linux's dcache hashes names, so a lookup walks
// one bucket however many names exist. The table never allocates; the entry's owner does.
struct path_entry {
    path_entry* next; // in its bucket
    const char* path; // owned by the entry's owner, lives as long as the entry
    u32 hash;
};

class path_table {
public:
    path_entry* find(const char* path) const;
    void insert(path_entry* entry, const char* path); // path must not be in the table
    void remove(path_entry* entry);

private:
    static constexpr size_t BUCKETS = 64;
    path_entry* m_buckets[BUCKETS] = {};
};

// namei.cpp: a path from user space (Linux's getname), in a PATH_MAX buffer of its own.
// EFAULT, ENAMETOOLONG (no NUL within PATH_MAX bytes), ENOENT (empty), ENOMEM.
lkm::ErrorOr<KBuffer<char>> getname(u64 user_path);

// char_dev.cpp: the device node at path, if any (fops nullptr: a node without a driver, ENXIO).
bool lookup_device_node(const char* path, const file_operations** fops, unsigned* minor, u32* mode);
// proc.cpp: open the generated file at path into f. 0, -ENOENT (no such file) or an error.
int open_proc_file(const char* path, file* f);
