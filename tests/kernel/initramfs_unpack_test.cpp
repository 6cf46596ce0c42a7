// The initramfs's unpacker (guest-kernel/init/initramfs.cpp) compiled for the host, writing into a fake of the kernel's
// init_* file calls (an in-memory tree) so that each refusal, the tree an archive makes and the
// rollback of a failed unpack can be checked exactly.
#include "fake_kernel.h"
#include "initramfs_newc.h"

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <kernel/bootparam.h>
#include <kernel/init_syscalls.h>
#include <lkmemu/kern_levels.h>

using namespace initramfs_test;


// What initramfs.cpp links against in the kernel: the boot parameters, the direct map's base and
// the page allocator's release of the initrd.
struct boot_params boot_params; // page_offset_base is fake_page_alloc.cpp's 0
static u64 g_freed_initrd = 0;
u64 free_initrd_mem(u64 base, u64 size)
{
    (void)base;
    g_freed_initrd = (size + 4095) / 4096;
    return g_freed_initrd;
}

namespace {

// --- A fake root file system behind init_syscalls.h ---------------------------------------------
struct Inode {
    unsigned type; // S_IF*
    unsigned perm;
    std::string data; // a file's contents, a symlink's target
    unsigned dev = 0, uid = 0, gid = 0;
    long long mtime = -1;
};
std::map<std::string, std::shared_ptr<Inode>>& tree()
{
    static std::map<std::string, std::shared_ptr<Inode>> t;
    return t;
}
int g_creates_before_enomem = -1; // init_create_file fails with -ENOMEM after this many (-1: never)

void reset_tree()
{
    tree().clear();
    for (const char* dir : { "/", "/dev", "/proc" })
        tree()[dir] = std::make_shared<Inode>(Inode { 0040000, 0755 });
    g_creates_before_enomem = -1;
}

std::string parent_of(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
}

int add(const std::string& path, Inode inode)
{
    if (tree().count(path))
        return -LKM_EEXIST;
    auto parent = tree().find(parent_of(path));
    if (parent == tree().end())
        return -LKM_ENOENT;
    if (parent->second->type != 0040000)
        return -LKM_ENOTDIR;
    tree()[path] = std::make_shared<Inode>(std::move(inode));
    return 0;
}

Inode* lookup(const std::string& path)
{
    auto it = tree().find(path);
    return it == tree().end() ? nullptr : it->second.get();
}

} // namespace

int init_mkdir(const char* pathname, u32 mode) { return add(pathname, Inode { 0040000, mode }); }
int init_mknod(const char* filename, u32 mode, unsigned dev)
{
    return add(filename, Inode { mode & 0170000, mode & 07777, "", dev });
}
int init_symlink(const char* oldname, const char* newname) { return add(newname, Inode { 0120000, 0777, oldname }); }
int init_link(const char* oldname, const char* newname)
{
    auto it = tree().find(oldname);
    if (it == tree().end())
        return -LKM_ENOENT;
    if (tree().count(newname))
        return -LKM_EEXIST;
    tree()[newname] = it->second;
    return 0;
}
int init_create_file(const char* pathname, u32 mode, const void* data, size_t size)
{
    if (g_creates_before_enomem == 0)
        return -LKM_ENOMEM;
    if (g_creates_before_enomem > 0)
        g_creates_before_enomem--;
    return add(pathname, Inode { 0100000, mode, std::string(static_cast<const char*>(data), size) });
}
int init_chown(const char* filename, u32 uid, u32 gid)
{
    Inode* inode = lookup(filename);
    if (!inode)
        return -LKM_ENOENT;
    inode->uid = uid, inode->gid = gid;
    return 0;
}
int init_chmod(const char* filename, u32 mode)
{
    Inode* inode = lookup(filename);
    if (!inode)
        return -LKM_ENOENT;
    inode->perm = mode & 07777;
    return 0;
}
int init_utimes(const char* filename, s64 mtime_seconds)
{
    Inode* inode = lookup(filename);
    if (!inode)
        return -LKM_ENOENT;
    inode->mtime = mtime_seconds;
    return 0;
}
int init_unlink(const char* pathname)
{
    Inode* inode = lookup(pathname);
    if (!inode)
        return -LKM_ENOENT;
    if (inode->type == 0040000)
        return -LKM_EISDIR;
    tree().erase(pathname);
    return 0;
}
int init_rmdir(const char* pathname)
{
    Inode* inode = lookup(pathname);
    if (!inode)
        return -LKM_ENOENT;
    std::string const prefix = std::string(pathname) + "/";
    auto next = tree().upper_bound(pathname);
    if (next != tree().end() && next->first.compare(0, prefix.size(), prefix) == 0)
        return -LKM_ENOTEMPTY;
    tree().erase(pathname);
    return 0;
}

namespace {

std::vector<std::string> paths()
{
    std::vector<std::string> out;
    for (auto& [path, inode] : tree())
        out.push_back(path);
    return out;
}

} // namespace

TEST_CASE("initramfs: an archive unpacks into the tree")
{
    reset_tree();
    std::string const archive = newc(sample);
    auto unpacked = unpack_to_rootfs(bytes(archive), archive.size());
    REQUIRE(!unpacked.is_error());
    CHECK(unpacked.value() == sample.size());
    CHECK(paths() == std::vector<std::string> { "/", "/bin", "/bin/sh", "/dev", "/dev/console", "/etc", "/etc/hostname", "/proc", "/tmp" });
    CHECK(lookup("/etc/hostname")->data == "lkmemu\n");
    CHECK(lookup("/etc/hostname")->perm == 0644);
    CHECK(lookup("/etc/hostname")->mtime == 1700000001);
    CHECK(lookup("/etc")->mtime == 1700000000);
    CHECK(lookup("/bin/sh")->type == 0120000);
    CHECK(lookup("/bin/sh")->data == "busybox");
    CHECK(lookup("/dev/console")->type == 0020000);
    CHECK(lookup("/dev/console")->dev == cpio_encode_dev(5, 1));
    CHECK(lookup("/tmp")->perm == 01777);
    CHECK(lookup("/tmp")->uid == 1000);
    CHECK(lookup("/tmp")->gid == 100);
}

TEST_CASE("initramfs: hard links by (ino, dev), the data on the last name as GNU cpio writes it")
{
    reset_tree();
    std::string const archive = newc({
        { "a", 0100644, "", 7, 3 },
        { "b", 0100644, "", 7, 3 },
        { "c", 0100644, "shared", 7, 3 },
        { "d", 0100644, "other", 8, 1 },
    });
    REQUIRE(!unpack_to_rootfs(bytes(archive), archive.size()).is_error());
    CHECK(tree()["/a"] == tree()["/c"]);
    CHECK(tree()["/b"] == tree()["/c"]);
    CHECK(tree()["/a"]->data == "shared");
    CHECK(tree()["/d"]->data == "other");
}

TEST_CASE("initramfs: a refused archive writes nothing")
{
    reset_tree();
    std::string archive = newc({ { "etc", 0040755 }, { "etc/passwd", 0100644, "root:x:0:0::/root:/bin/sh\n" }, { "../x", 0100644 } });
    CHECK(message(unpack_to_rootfs(bytes(archive), archive.size())) == "entry 2 (../x): name has a `..' component");
    CHECK(paths() == std::vector<std::string> { "/", "/dev", "/proc" });
}

TEST_CASE("initramfs: a write that fails part-way removes what the unpack made, newest first")
{
    reset_tree();
    std::string archive = newc({ { "etc", 0040755 }, { "etc/a", 0100644, "a" }, { "etc/sub", 0040755 },
                                 { "etc/sub/link", 0120777, "../a" }, { "dev/null", 0020666, "", 0, 1, 1, 3 },
                                 { "etc/sub/b", 0100644, "b" } });
    g_creates_before_enomem = 1;
    CHECK(message(unpack_to_rootfs(bytes(archive), archive.size())) == "entry 5 (etc/sub/b): create: Cannot allocate memory");
    CHECK(paths() == std::vector<std::string> { "/", "/dev", "/proc" });

    // A name already there (the kernel's own) is refused the same way; its directories are fine.
    reset_tree();
    tree()["/dev/kmsg"] = std::make_shared<Inode>(Inode { 0020000, 0644 });
    archive = newc({ { "dev", 0040755 }, { "dev/x", 0100644, "x" }, { "dev/kmsg", 0020644, "", 0, 1, 1, 11 } });
    CHECK(message(unpack_to_rootfs(bytes(archive), archive.size())) == "entry 2 (dev/kmsg): mknod: File exists");
    CHECK(paths() == std::vector<std::string> { "/", "/dev", "/dev/kmsg", "/proc" });
}

TEST_CASE("initramfs: populate_rootfs logs Linux's lines and frees the initrd either way")
{
    reset_tree();
    fake_printk_log().clear();
    std::string const archive = newc(sample);
    boot_params.initrd_start = reinterpret_cast<u64>(archive.data());
    boot_params.initrd_size = archive.size();
    populate_rootfs();
    REQUIRE(fake_printk_log().size() >= 2);
    CHECK(fake_printk_log().front() == KERN_INFO "Trying to unpack rootfs image as initramfs...\n");
    CHECK(fake_printk_log().back() == KERN_INFO "Freeing initrd memory: 4K\n");
    CHECK(lookup("/etc/hostname"));

    reset_tree();
    fake_printk_log().clear();
    std::string const hostile = newc({ { "etc", 0040755 }, { "../../escape", 0100644, "x" } });
    boot_params.initrd_start = reinterpret_cast<u64>(hostile.data());
    boot_params.initrd_size = hostile.size();
    populate_rootfs();
    REQUIRE(fake_printk_log().size() == 3);
    CHECK(fake_printk_log()[1] == KERN_EMERG "Initramfs unpacking failed: entry 1 (../../escape): name has a `..' component\n");
    CHECK(fake_printk_log()[2] == KERN_INFO "Freeing initrd memory: 4K\n");
    CHECK(paths() == std::vector<std::string> { "/", "/dev", "/proc" });
    boot_params.initrd_size = 0;
}
