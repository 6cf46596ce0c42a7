// Unpacking the initramfs into the root file system (Linux's init/initramfs.c): the archive is
// checked whole first (cpio_parse without a visitor), then written through the kernel's own file
// calls (include/kernel/init_syscalls.h). If a write fails part-way, what this unpack created is
// removed again, newest first, so the tree is the one the kernel had: never half an archive.
#include <asm/page.h>
#include <kernel/bootparam.h>
#include <kernel/initramfs.h>
#include <kernel/init_syscalls.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/slab.h>
#include <kernel/string.h>

namespace {

constexpr u32 S_IFMT_ = 0170000, S_IFLNK_ = 0120000, S_IFREG_ = 0100000, S_IFDIR_ = 0040000;

// What the rollback must remove, and what a later hard link to the same file looks for.
struct created_entry {
    const char* name; // the entry's name, inside the archive
    u32 type;         // S_IF* of what was made
    size_t archive;
    u32 ino, dev_major, dev_minor;
    bool hard_link; // a regular file with c_nlink >= 2
};

// "entry N (NAME): OPERATION", the errno's text as the reason.
lkm::Error failed(int error, const cpio_entry& e, const char* operation)
{
    const char* text = lkm_errno_text(-error);
    lkm::Error out = lkm::Error::from_errno(-error, text ? text : "unknown error");
    size_t at = 0;
    auto put = [&](const char* s) {
        for (; *s && at + 1 < sizeof out.context; s++)
            out.context[at++] = *s;
    };
    char index[24];
    size_t n = 0;
    for (size_t v = e.index; n == 0 || v; v /= 10)
        index[n++] = static_cast<char>('0' + v % 10);
    put("entry ");
    while (n && at + 1 < sizeof out.context)
        out.context[at++] = index[--n];
    put(" (");
    put(e.name);
    put("): ");
    put(operation);
    out.context[at] = '\0';
    return out;
}

class rootfs_writer final : public cpio_visitor {
public:
    rootfs_writer(created_entry* created, char* path, char* other, char* target)
        : m_created(created), m_path(path), m_other(other), m_target(target)
    {
    }

    lkm::ErrorOr<void> entry(const cpio_entry& e) override
    {
        TRY(cpio_entry_path(e.name, m_path, CPIO_PATH_MAX));
        if (strcmp(m_path, "/") == 0)
            return {}; // the root is there already
        u32 const type = e.mode & S_IFMT_;
        u32 const perm = e.mode & 07777;
        int error = 0;
        if (type == S_IFDIR_) {
            error = init_mkdir(m_path, perm);
            if (error == -LKM_EEXIST) // the kernel's own /dev, /proc, or an earlier archive's
                return set_attributes(e, true);
            if (error)
                return failed(error, e, "mkdir");
        } else if (type == S_IFREG_) {
            if (e.nlink >= 2)
                return regular_link(e);
            if ((error = init_create_file(m_path, perm, e.data, e.size)))
                return failed(error, e, "create");
        } else if (type == S_IFLNK_) {
            memcpy(m_target, e.data, e.size); // cpio_parse: shorter than PATH_MAX, no NUL
            m_target[e.size] = '\0';
            if ((error = init_symlink(m_target, m_path)))
                return failed(error, e, "symlink");
        } else {
            if ((error = init_mknod(m_path, e.mode, cpio_encode_dev(e.rdev_major, e.rdev_minor))))
                return failed(error, e, "mknod");
        }
        record(e, false);
        return set_attributes(e, type != S_IFLNK_); // the mode as given, whatever the umask
    }

    // Removes what this unpack made, newest first.
    void roll_back()
    {
        while (m_count) {
            created_entry const& c = m_created[--m_count];
            if (cpio_entry_path(c.name, m_path, CPIO_PATH_MAX).is_error())
                continue;
            int error = c.type == S_IFDIR_ ? init_rmdir(m_path) : init_unlink(m_path);
            if (error && error != -LKM_ENOENT)
                pr_err("initramfs: cannot remove %s again (error %d)\n", m_path, error);
        }
    }

private:
    void record(const cpio_entry& e, bool hard_link)
    {
        m_created[m_count++] = { e.name, e.mode & S_IFMT_, e.archive, e.ino, e.dev_major, e.dev_minor, hard_link };
    }

    lkm::ErrorOr<void> set_attributes(const cpio_entry& e, bool chmod)
    {
        int error = init_chown(m_path, e.uid, e.gid);
        if (!error && chmod)
            error = init_chmod(m_path, e.mode & 07777);
        if (!error && (e.mode & S_IFMT_) != S_IFDIR_) // directories: once their contents are in
            error = init_utimes(m_path, e.mtime);
        if (error)
            return failed(error, e, "set attributes");
        return {};
    }

    // A name of a file with several (c_nlink >= 2), matched by (c_ino, c_dev) within one archive
    // as Linux does. GNU cpio puts the data on the last name: when it arrives, the earlier names
    // (made empty) are made again as links to the file that holds it.
    lkm::ErrorOr<void> regular_link(const cpio_entry& e)
    {
        const created_entry* leader = nullptr;
        for (size_t i = 0; i < m_count && !leader; i++) {
            const created_entry& c = m_created[i];
            if (c.hard_link && c.archive == e.archive && c.ino == e.ino && c.dev_major == e.dev_major &&
                c.dev_minor == e.dev_minor)
                leader = &c;
        }
        int error = 0;
        if (!leader) {
            if ((error = init_create_file(m_path, e.mode & 07777, e.data, e.size)))
                return failed(error, e, "create");
        } else if (e.size == 0) {
            TRY(cpio_entry_path(leader->name, m_other, CPIO_PATH_MAX));
            if ((error = init_link(m_other, m_path)))
                return failed(error, e, "link");
        } else {
            if ((error = init_create_file(m_path, e.mode & 07777, e.data, e.size)))
                return failed(error, e, "create");
            for (size_t i = 0; i < m_count; i++) {
                const created_entry& c = m_created[i];
                if (!c.hard_link || c.archive != e.archive || c.ino != e.ino || c.dev_major != e.dev_major ||
                    c.dev_minor != e.dev_minor)
                    continue;
                TRY(cpio_entry_path(c.name, m_other, CPIO_PATH_MAX));
                if ((error = init_unlink(m_other)) || (error = init_link(m_path, m_other))) {
                    init_unlink(m_path);
                    return failed(error, e, "link");
                }
            }
        }
        record(e, true);
        return set_attributes(e, true);
    }

    created_entry* m_created;
    size_t m_count = 0;
    char* m_path;   // CPIO_PATH_MAX bytes each
    char* m_other;
    char* m_target;
};

// Directories' times last, when nothing more is created in them (Linux's dir_utime).
class directory_times final : public cpio_visitor {
public:
    explicit directory_times(char* path) : m_path(path) {}
    lkm::ErrorOr<void> entry(const cpio_entry& e) override
    {
        if ((e.mode & S_IFMT_) != S_IFDIR_)
            return {};
        TRY(cpio_entry_path(e.name, m_path, CPIO_PATH_MAX));
        if (int error = init_utimes(m_path, e.mtime))
            return failed(error, e, "utimes");
        return {};
    }

private:
    char* m_path;
};

} // namespace

lkm::ErrorOr<size_t> unpack_to_rootfs(const u8* data, size_t size)
{
    size_t const count = TRY(cpio_parse(data, size, nullptr));
    KBuffer<created_entry> created(count ? count : 1);
    KBuffer<char> paths(3 * CPIO_PATH_MAX);
    if (!created || !paths)
        return lkm::Error::from_errno(LKM_ENOMEM, "no memory to unpack the archive");
    rootfs_writer writer(created.get(), paths.get(), paths.get() + CPIO_PATH_MAX, paths.get() + 2 * CPIO_PATH_MAX);
    auto written = cpio_parse(data, size, &writer);
    if (!written.is_error()) {
        directory_times times(paths.get());
        auto timed = cpio_parse(data, size, &times);
        if (!timed.is_error())
            return count;
        writer.roll_back();
        return timed.release_error();
    }
    writer.roll_back();
    return written.release_error();
}

void populate_rootfs()
{
    if (!boot_params.initrd_size)
        return;
    pr_info("Trying to unpack rootfs image as initramfs...\n");
    auto unpacked = unpack_to_rootfs(static_cast<const u8*>(__va(boot_params.initrd_start)), boot_params.initrd_size);
    if (unpacked.is_error()) {
        const lkm::Error& error = unpacked.error();
        if (error.context[0])
            pr_emerg("Initramfs unpacking failed: %s: %s\n", error.context, error.reason);
        else
            pr_emerg("Initramfs unpacking failed: %s\n", error.reason);
    } else {
        pr_debug("initramfs: %lu entries unpacked\n", unpacked.value());
    }
    u64 const freed = free_initrd_mem(boot_params.initrd_start, boot_params.initrd_size);
    pr_info("Freeing initrd memory: %luK\n", freed * (PAGE_SIZE / 1024));
}
