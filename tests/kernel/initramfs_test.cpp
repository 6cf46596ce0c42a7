// The initramfs: the newc reader (guest-kernel/init/initramfs_cpio.cpp) and the unpacker
// (guest-kernel/init/initramfs.cpp) compiled for the host, writing into a fake of the kernel's
// init_* file calls (an in-memory tree) so that each refusal, the tree an archive makes and the
// rollback of a failed unpack can be checked exactly.
#include "fake_kernel.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <kernel/bootparam.h>
#include <kernel/init_syscalls.h>
#include <kernel/initramfs.h>
#include <lkmemu/kern_levels.h>

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

// --- A newc writer -------------------------------------------------------------------------------
struct Member {
    std::string name;
    unsigned mode;
    std::string data = "";
    unsigned ino = 0, nlink = 1, rdev_major = 0, rdev_minor = 0, uid = 0, gid = 0, mtime = 0;
};

void pad(std::string& s)
{
    while (s.size() % 4)
        s += '\0';
}

std::string header(const char* magic, const Member& m, size_t name_size, unsigned check)
{
    char h[111];
    std::snprintf(h, sizeof h, "%s%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", magic, m.ino, m.mode, m.uid,
                  m.gid, m.nlink, m.mtime, m.data.size(), 0u, 0u, m.rdev_major, m.rdev_minor, name_size, check);
    return std::string(h, 110);
}

std::string newc(const std::vector<Member>& members, bool trailer = true, const char* magic = "070701")
{
    std::string out;
    unsigned ino = 1;
    for (Member m : members) {
        if (!m.ino)
            m.ino = ino++;
        unsigned sum = 0;
        for (unsigned char c : m.data)
            sum += c;
        out += header(magic, m, m.name.size() + 1, magic[5] == '2' ? sum : 0);
        out += m.name;
        out += '\0';
        pad(out);
        out += m.data;
        pad(out);
    }
    if (trailer) {
        out += header(magic, Member { "TRAILER!!!", 0, "", 0, 1 }, 11, 0);
        out += "TRAILER!!!";
        out += '\0';
        pad(out);
    }
    return out;
}

const std::vector<Member> sample = {
    { ".", 0040755 },
    { "etc", 0040755, "", 0, 2, 0, 0, 0, 0, 1700000000 },
    { "etc/hostname", 0100644, "lkmemu\n", 0, 1, 0, 0, 0, 0, 1700000001 },
    { "bin", 0040755 },
    { "bin/sh", 0120777, "busybox" },
    { "dev/console", 0020600, "", 0, 1, 5, 1 },
    { "/tmp", 0041777, "", 0, 1, 0, 0, 1000, 100 },
};

const u8* bytes(const std::string& s) { return reinterpret_cast<const u8*>(s.data()); }

struct Collect final : cpio_visitor {
    std::vector<cpio_entry> entries;
    lkm::ErrorOr<void> entry(const cpio_entry& e) override
    {
        entries.push_back(e);
        return {};
    }
};

// "reason" or "context: reason", as populate_rootfs prints it after "Initramfs unpacking failed: ".
template<typename T> std::string message(const lkm::ErrorOr<T>& result)
{
    REQUIRE(result.is_error());
    const lkm::Error& e = result.error();
    return e.context[0] ? std::string(e.context) + ": " + e.reason : std::string(e.reason);
}

std::string parse_error(const std::string& archive) { return message(cpio_parse(bytes(archive), archive.size(), nullptr)); }

std::vector<std::string> paths()
{
    std::vector<std::string> out;
    for (auto& [path, inode] : tree())
        out.push_back(path);
    return out;
}

} // namespace

TEST_CASE("initramfs: a newc archive's entries, in order")
{
    std::string const archive = newc(sample);
    Collect collect;
    auto parsed = cpio_parse(bytes(archive), archive.size(), &collect);
    REQUIRE(!parsed.is_error());
    CHECK(parsed.value() == sample.size());
    REQUIRE(collect.entries.size() == sample.size());
    for (size_t i = 0; i < sample.size(); i++) {
        const cpio_entry& e = collect.entries[i];
        CHECK(e.index == i);
        CHECK(std::string(e.name) == sample[i].name);
        CHECK(e.mode == sample[i].mode);
        CHECK(std::string(reinterpret_cast<const char*>(e.data), e.size) == sample[i].data);
    }
    CHECK(collect.entries[5].rdev_major == 5);
    CHECK(collect.entries[5].rdev_minor == 1);
    CHECK(collect.entries[6].uid == 1000);
    CHECK(collect.entries[2].mtime == 1700000001);
}

TEST_CASE("initramfs: entry names map to paths under the root")
{
    char out[64];
    auto path = [&](const char* name) {
        REQUIRE(!cpio_entry_path(name, out, sizeof out).is_error());
        return std::string(out);
    };
    CHECK(path(".") == "/");
    CHECK(path("./") == "/");
    CHECK(path("/") == "/");
    CHECK(path("etc") == "/etc");
    CHECK(path("./etc/passwd") == "/etc/passwd");
    CHECK(path("/lib//modules/./x.ko") == "/lib/modules/x.ko");
    char tiny[4];
    CHECK(cpio_entry_path("etc/passwd", tiny, sizeof tiny).error().code == LKM_ENAMETOOLONG);
}

TEST_CASE("initramfs: concatenated archives with zeros between them, and 070702 checksums")
{
    std::string archive = newc({ { "a", 0040755 } }) + std::string(512, '\0') + newc({ { "a/b", 0100600, "xyz" } }, true, "070702");
    archive += std::string(100, '\0');
    Collect collect;
    auto parsed = cpio_parse(bytes(archive), archive.size(), &collect);
    REQUIRE(!parsed.is_error());
    CHECK(parsed.value() == 2);
    CHECK(collect.entries[1].archive == 1);
    CHECK(collect.entries[1].index == 1);
    CHECK(cpio_parse(nullptr, 0, nullptr).value() == 0); // nothing: no entries, no error
    std::string const zeros(64, '\0');
    CHECK(cpio_parse(bytes(zeros), zeros.size(), nullptr).value() == 0);
}

TEST_CASE("initramfs: hostile archives are refused naming the entry and the check")
{
    CHECK(parse_error("hello world, not an archive") == "no cpio magic");
    CHECK(parse_error(std::string("\x1f\x8b\x08\x00", 4) + std::string(20, 'x')) == "gzip compressed (this kernel has no decompressor)");
    CHECK(parse_error(newc({ { "a", 0040755 } }) + "\x28\xb5\x2f\xfd" + std::string(8, 'z')) == "entry 1: zstd compressed (this kernel has no decompressor)");
    CHECK(parse_error(newc({ { "a", 0040755 } }) + std::string(1, '\0') + newc({ { "b", 0040755 } })) ==
          "entry 1: broken padding");
    CHECK(parse_error(newc({ { "a", 0040755 } }) + "junk") == "entry 1: no cpio magic");
    CHECK(parse_error(newc({ { "a", 0040755 } }) + "0707") == "entry 1: truncated header");
    CHECK(parse_error(newc({ { "a", 0040755 } }, false)) == "entry 1: archive ends without TRAILER!!!");

    CHECK(parse_error(newc({ { "../etc/passwd", 0100644, "x" } })) == "entry 0 (../etc/passwd): name has a `..' component");
    CHECK(parse_error(newc({ { "a", 0040755 }, { "/a/../../x", 0100644 } })) ==
          "entry 1 (/a/../../x): name has a `..' component");
    CHECK(parse_error(newc({ { "", 0100644 } })) == "entry 0: empty name");
    CHECK(parse_error(newc({ { "x", 0170644 } })) == "entry 0 (x): mode has no known file type");
    CHECK(parse_error(newc({ { "x", 0000644 } })) == "entry 0 (x): mode has no known file type");
    CHECK(parse_error(newc({ { "x", 0110644 } })) == "entry 0 (x): mode has no known file type");
    CHECK(parse_error(newc({ { "x", 0100644 | 0200000 } })) == "entry 0 (x): mode has bits beyond 07777");
    CHECK(parse_error(newc({ { "l", 0120777, std::string(4096, 'a') } })) ==
          "entry 0 (l): symlink target longer than PATH_MAX");
    CHECK(parse_error(newc({ { "l", 0120777, "" } })) == "entry 0 (l): symlink without a target");
    CHECK(parse_error(newc({ { "l", 0120777, std::string("a\0b", 3) } })) == "entry 0 (l): symlink target holds a NUL");
    CHECK(parse_error(newc({ { "d", 0040755, "data" } })) == "entry 0 (d): data for an entry that is not a file or symlink");
    CHECK(parse_error(newc({ { std::string(5000, 'n'), 0100644 } })).rfind("entry 0 (nnnn", 0) == 0);
    CHECK(parse_error(newc({ { std::string(5000, 'n'), 0100644 } })).find("...): name longer than PATH_MAX") != std::string::npos);

    // Damage one field of a good header at a time.
    std::string const good = newc({ { "f", 0100644, "data" } });
    auto with = [&](size_t at, const std::string& text) {
        std::string s = good;
        s.replace(at, text.size(), text);
        return s;
    };
    CHECK(parse_error(with(0, "070707")) == "no cpio magic");
    CHECK(parse_error(with(6 + 8, "0000G644")) == "entry 0: non-hex digit in c_mode");
    CHECK(parse_error(with(6 + 6 * 8, "FFFFFFFF")) == "entry 0 (f): file size larger than what is left of the archive");
    CHECK(parse_error(with(6 + 6 * 8, "00001000")) == "entry 0 (f): file size larger than what is left of the archive");
    CHECK(parse_error(with(6 + 6 * 8, "00000009")) == "entry 1: no cpio magic"); // inside the archive: it reads on
    CHECK(parse_error(with(6 + 11 * 8, "00000000")) == "entry 0: empty name");
    CHECK(parse_error(with(6 + 11 * 8, "00000001")) == "entry 0 (f): name without its NUL at c_namesize");
    CHECK(parse_error(with(6 + 11 * 8, "00001001")).find("name longer than PATH_MAX") != std::string::npos);
    CHECK(parse_error(with(6 + 11 * 8, "00000003")) == "entry 0 (f): name without its NUL at c_namesize");
    CHECK(parse_error(with(6 + 11 * 8, "00000100")) == "entry 0 (f): truncated name");
    std::string bad_sum = newc({ { "f", 0100644, "data" } }, true, "070702");
    REQUIRE(bad_sum.substr(6 + 12 * 8, 8) == "0000019A"); // 'd' + 'a' + 't' + 'a'
    bad_sum[6 + 12 * 8 + 7] = 'B';
    CHECK(parse_error(bad_sum) == "entry 0 (f): checksum mismatch (070702)");
}

TEST_CASE("initramfs: an archive cut short at any byte is refused, never read past its end")
{
    std::string const archive = newc(sample);
    size_t const trailer_name_end = archive.size() - 3; // TRAILER!!! + NUL (121 bytes) ends here, padding after
    for (size_t length = 0; length < archive.size(); length++) {
        // A private copy of exactly `length` bytes, so the sanitizers see any read past it.
        std::unique_ptr<u8[]> cut(new u8[length ? length : 1]);
        std::memcpy(cut.get(), archive.data(), length);
        auto parsed = cpio_parse(cut.get(), length, nullptr);
        INFO("length " << length);
        if (length == 0)
            CHECK(parsed.value() == 0);
        else if (length < trailer_name_end)
            CHECK(parsed.is_error());
        else
            CHECK(!parsed.is_error());
    }
}

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
