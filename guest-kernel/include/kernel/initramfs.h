// The initramfs (Linux's init/initramfs.c): newc cpio archives the boot loader hands over, unpacked
// into the root file system before init runs. docs/userland.md says what goes in one.
//
// Two steps, so that a bad archive writes nothing: cpio_parse walks the whole archive checking
// every entry (init/initramfs_cpio.cpp, pure, host-tested), then unpack_to_rootfs walks it again
// creating the entries through include/kernel/init_syscalls.h, removing what it made if one fails.
#pragma once

#include <kernel/types.h>
#include <loader/error_or.h>

// The longest path the VFS takes, NUL included (Linux's PATH_MAX).
constexpr size_t CPIO_PATH_MAX = 4096;

// One member of a newc archive, its strings pointing into the archive's bytes.
struct cpio_entry {
    size_t index;       // counted from 0 across concatenated archives
    size_t archive;     // which of the concatenated archives (hard links do not cross them)
    size_t offset;      // of its header in the bytes given to cpio_parse
    const char* name;   // NUL-terminated, as written: "./etc/passwd", "etc", "/dev/console"
    u32 ino, mode, uid, gid, nlink;
    s64 mtime;
    u32 dev_major, dev_minor, rdev_major, rdev_minor;
    const u8* data;     // a regular file's contents or a symlink's target (no NUL)
    size_t size;
};

// Called for each entry in archive order; an error stops the walk and is cpio_parse's answer.
class cpio_visitor {
public:
    virtual lkm::ErrorOr<void> entry(const cpio_entry&) = 0;

protected:
    ~cpio_visitor() = default;
};

// Walks the newc archives (magic 070701, or 070702 with its checksum) concatenated in
// [data, data + size), zero padding between them allowed, calling visitor (may be null) for each
// entry other than the TRAILER!!!s. Returns how many entries there were. Refuses (ENOEXEC or
// EINVAL) a truncated header, name or data, a bad magic or non-hex field, a bad name (empty,
// without its NUL, longer than CPIO_PATH_MAX, a `..' component), an unknown file type or mode
// bits beyond 07777, a size past the end of the archive, a symlink target longer than PATH_MAX,
// a compressed image (naming its compression); the error's context names the entry as
// "entry N (NAME)".
lkm::ErrorOr<size_t> cpio_parse(const u8* data, size_t size, cpio_visitor* visitor);

// The path an entry's name stands for under the root: "/" + name without leading "/" and "./",
// repeated slashes folded; "/" for the root itself. Fails (ENAMETOOLONG) if out is too small.
lkm::ErrorOr<void> cpio_entry_path(const char* name, char* out, size_t out_size);

// Linux's new_encode_dev: the dev_t the VFS's mknod takes, from a major and minor.
constexpr unsigned cpio_encode_dev(u32 major, u32 minor)
{
    return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

// Checks, then unpacks the archive into the root file system: all of it, or (an error) nothing.
lkm::ErrorOr<size_t> unpack_to_rootfs(const u8* data, size_t size);

// After vfs_init: unpacks the boot loader's initrd (boot_params.initrd_*), if there is one, and
// gives its pages to the page allocator ("Freeing initrd memory: NK"). A refused archive is
// logged and the boot goes on with the tree it had.
void populate_rootfs();
