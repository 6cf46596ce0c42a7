// init_test=vfs: the file system calls checked through real system calls from ring 3, before init
// starts serving: files, directories, rename, symlinks, `..` across the /proc mount, descriptors
// and their limits, and the errno cases. Each check writes one line to /dev/kmsg, "vfs: NAME ok"
// or "vfs: NAME FAILED (got VALUE)", and tests/integration/vfs_test.cpp asserts the lines. The
// last check compares /proc/meminfo before and after: everything made is given back.
#include "init.h"
#include "selftest_log.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <lkmemu/stat.h>

namespace init {

namespace {

// Made before the baseline: their first touch maps init's pages, which is not the VFS's memory.
char g_long_path[4097 + 1]; // PATH_MAX + 1 bytes without a NUL
char g_long_name[300];      // "/" and NAME_MAX + 1 bytes
bool g_seen[300];

void prepare_buffers()
{
    for (int i = 0; i < 4097; i++)
        g_long_path[i] = i % 2 ? '/' : 'a';
    g_long_name[0] = '/';
    for (int i = 1; i < 257; i++)
        g_long_name[i] = 'n';
    for (bool& seen : g_seen)
        seen = false;
}

template <typename T>
long p(T* pointer) { return reinterpret_cast<long>(pointer); }

size_t length_of(const char* s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

bool same(const char* a, const char* b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

selftest_log* g_log; // while run_vfs_selftest runs

void check(const char* name, bool ok, long value) { g_log->check(name, ok, "got", value); }
void expect_errno(const char* name, long result, int error) { check(name, result == -error, result); }

long open_at(const char* path, long flags, long mode = 0) { return sc(sys::NR_openat, LKM_AT_FDCWD, p(path), flags, mode); }
long stat_of(const char* path, lkm_stat* st) { return sc(sys::NR_stat, p(path), p(st)); }
long lstat_of(const char* path, lkm_stat* st) { return sc(sys::NR_lstat, p(path), p(st)); }
long close_fd(long fd) { return sc(sys::NR_close, fd); }
long make_file(const char* path, const char* text)
{
    long fd = open_at(path, LKM_O_CREAT | LKM_O_WRONLY | LKM_O_TRUNC, 0644);
    if (fd < 0)
        return fd;
    long n = sys::write(static_cast<int>(fd), text, length_of(text));
    close_fd(fd);
    return n;
}
// The first bytes of the file at path, NUL-terminated, or -errno.
long read_file(const char* path, char* buf, size_t size)
{
    long fd = open_at(path, LKM_O_RDONLY);
    if (fd < 0)
        return fd;
    long n = sys::read(static_cast<int>(fd), buf, size - 1);
    close_fd(fd);
    if (n >= 0)
        buf[n] = 0;
    return n;
}

// /proc/meminfo's text (MemFree and Slab: pages and kmalloc bytes).
long meminfo(char* buf, size_t size) { return read_file("/proc/meminfo", buf, size); }

void name_of(char* out, const char* dir, unsigned i)
{
    size_t at = 0;
    for (; dir[at]; at++)
        out[at] = dir[at];
    out[at++] = '/';
    out[at++] = 'f';
    out[at++] = static_cast<char>('0' + i / 100);
    out[at++] = static_cast<char>('0' + i / 10 % 10);
    out[at++] = static_cast<char>('0' + i % 10);
    out[at] = 0;
}

void check_files()
{
    check("mkdir", sc(sys::NR_mkdir, p("/vfs-selftest"), 0755) == 0 && sc(sys::NR_mkdir, p("/vfs-selftest/vfs"), 0755) == 0, 0);
    long fd = open_at("/vfs-selftest/vfs/a", LKM_O_CREAT | LKM_O_RDWR, 0666);
    check("open O_CREAT", fd >= 3, fd);
    long n = sys::write(static_cast<int>(fd), "hello world", 11);
    check("write", n == 11, n);
    n = sys::lseek(static_cast<int>(fd), 0, sys::SEEK_SET);
    check("lseek SEEK_SET", n == 0, n);
    char buf[32] = {};
    n = sys::read(static_cast<int>(fd), buf, 5);
    check("read", n == 5 && same(buf, "hello", 5), n);
    n = sc(sys::NR_pread64, fd, p(buf), 5, 6);
    check("pread64", n == 5 && same(buf, "world", 5), n);
    n = sys::lseek(static_cast<int>(fd), 0, 1 /* SEEK_CUR */);
    check("pread64 keeps the offset", n == 5, n);
    char a[3], b[8];
    struct { long base; long len; } iov[2] = { { p(a), 3 }, { p(b), 8 } };
    n = sc(sys::NR_readv, fd, p(iov), 2);
    check("readv", n == 6 && same(a, " wo", 3) && same(b, "rld", 3), n);
    n = sys::lseek(static_cast<int>(fd), 0, sys::SEEK_END);
    check("lseek SEEK_END", n == 11, n);
    n = sc(sys::NR_pwrite64, fd, p("HELLO"), 5, 0);
    check("pwrite64", n == 5, n);
    n = sc(sys::NR_ftruncate, fd, 5);
    check("ftruncate", n == 0, n);

    lkm_stat st {};
    n = stat_of("/vfs-selftest/vfs/a", &st);
    check("stat size and mode", n == 0 && st.st_size == 5 && st.st_mode == (LKM_S_IFREG | 0644) && st.st_nlink == 1, st.st_mode);
    lkm_stat fst {};
    n = sc(sys::NR_fstat, fd, p(&fst));
    check("fstat", n == 0 && fst.st_ino == st.st_ino && fst.st_size == 5, n);
    n = sc(sys::NR_newfstatat, fd, p(""), p(&fst), LKM_AT_EMPTY_PATH);
    check("newfstatat AT_EMPTY_PATH", n == 0 && fst.st_ino == st.st_ino, n);
    lkm_statx stx {};
    n = sc(sys::NR_statx, LKM_AT_FDCWD, p("/vfs-selftest/vfs/a"), 0, LKM_STATX_BASIC_STATS, p(&stx));
    check("statx", n == 0 && stx.stx_size == 5 && stx.stx_ino == st.st_ino, n);
    n = stat_of("/vfs-selftest/vfs", &st);
    check("stat directory", n == 0 && st.st_mode == (LKM_S_IFDIR | 0755) && st.st_nlink == 2, st.st_mode);
    close_fd(fd);
    char text[16];
    n = read_file("/vfs-selftest/vfs/a", text, sizeof text);
    check("pwrite64 and ftruncate wrote", n == 5 && same(text, "HELLO", 5), n);
}

void check_getdents()
{
    sc(sys::NR_mkdir, p("/vfs-selftest/vfs/many"), 0755);
    char name[32];
    long made = 0;
    for (unsigned i = 0; i < 300; i++) {
        name_of(name, "/vfs-selftest/vfs/many", i);
        if (make_file(name, "") == 0)
            made++;
    }
    check("300 files", made == 300, made);
    long fd = open_at("/vfs-selftest/vfs/many", LKM_O_RDONLY | LKM_O_DIRECTORY);
    long entries = 0, dots = 0, calls = 0;
    alignas(8) char buf[1024];
    for (;;) {
        long n = sc(sys::NR_getdents64, fd, p(buf), sizeof buf);
        if (n <= 0)
            break;
        calls++;
        for (long at = 0; at < n;) {
            auto* d = reinterpret_cast<lkm_linux_dirent64*>(buf + at);
            if (d->d_name[0] == '.')
                dots++;
            else if (d->d_name[0] == 'f' && d->d_type == LKM_DT_REG) {
                unsigned i = static_cast<unsigned>((d->d_name[1] - '0') * 100 + (d->d_name[2] - '0') * 10 + (d->d_name[3] - '0'));
                if (i < 300 && !g_seen[i]) {
                    g_seen[i] = true;
                    entries++;
                }
            }
            at += d->d_reclen;
        }
    }
    check("getdents64 lists 300 entries", entries == 300 && dots == 2 && calls > 1, entries);
    close_fd(fd);
    long removed = 0;
    for (unsigned i = 0; i < 300; i++) {
        name_of(name, "/vfs-selftest/vfs/many", i);
        if (sc(sys::NR_unlink, p(name)) == 0)
            removed++;
    }
    check("unlink 300", removed == 300 && sc(sys::NR_rmdir, p("/vfs-selftest/vfs/many")) == 0, removed);
}

void check_rename_and_links()
{
    lkm_stat st {};
    long n = sc(sys::NR_rename, p("/vfs-selftest/vfs/a"), p("/vfs-selftest/vfs/b"));
    check("rename within a directory", n == 0 && stat_of("/vfs-selftest/vfs/a", &st) == -LKM_ENOENT && stat_of("/vfs-selftest/vfs/b", &st) == 0, n);
    sc(sys::NR_mkdir, p("/vfs-selftest/vfs/d2"), 0755);
    n = sc(sys::NR_renameat, LKM_AT_FDCWD, p("/vfs-selftest/vfs/b"), LKM_AT_FDCWD, p("/vfs-selftest/vfs/d2/c"));
    char text[16];
    check("rename across directories", n == 0 && read_file("/vfs-selftest/vfs/d2/c", text, sizeof text) == 5, n);
    make_file("/vfs-selftest/vfs/other", "x");
    n = sc(sys::NR_renameat2, LKM_AT_FDCWD, p("/vfs-selftest/vfs/other"), LKM_AT_FDCWD, p("/vfs-selftest/vfs/d2/c"), LKM_RENAME_NOREPLACE);
    expect_errno("renameat2 RENAME_NOREPLACE EEXIST", n, LKM_EEXIST);
    sc(sys::NR_unlink, p("/vfs-selftest/vfs/other"));

    n = sc(sys::NR_symlink, p("d2/c"), p("/vfs-selftest/vfs/link"));
    char target[16] = {};
    long len = sc(sys::NR_readlink, p("/vfs-selftest/vfs/link"), p(target), sizeof target);
    check("symlink and readlink", n == 0 && len == 4 && same(target, "d2/c", 4), len);
    n = read_file("/vfs-selftest/vfs/link", text, sizeof text);
    check("open follows a symlink", n == 5 && same(text, "HELLO", 5), n);
    n = lstat_of("/vfs-selftest/vfs/link", &st);
    check("lstat sees the link", n == 0 && (st.st_mode & LKM_S_IFMT) == LKM_S_IFLNK && st.st_size == 4, st.st_mode);
    sc(sys::NR_symlink, p("/vfs-selftest/vfs/d2"), p("/vfs-selftest/vfs/dirlink"));
    n = read_file("/vfs-selftest/vfs/dirlink/c", text, sizeof text);
    check("symlink in the middle of a path", n == 5, n);
    n = open_at("/vfs-selftest/vfs/link", LKM_O_RDONLY | LKM_O_NOFOLLOW);
    expect_errno("O_NOFOLLOW ELOOP", n, LKM_ELOOP);
    sc(sys::NR_symlink, p("loop2"), p("/vfs-selftest/vfs/loop1"));
    sc(sys::NR_symlink, p("loop1"), p("/vfs-selftest/vfs/loop2"));
    expect_errno("symlink loop ELOOP", open_at("/vfs-selftest/vfs/loop1", LKM_O_RDONLY), LKM_ELOOP);
    n = sc(sys::NR_link, p("/vfs-selftest/vfs/d2/c"), p("/vfs-selftest/vfs/hard"));
    check("link", n == 0 && stat_of("/vfs-selftest/vfs/hard", &st) == 0 && st.st_nlink == 2, st.st_nlink);
}

void check_dotdot_and_cwd()
{
    long n = sc(sys::NR_chdir, p("/proc"));
    char cwd[64] = {};
    long len = sc(sys::NR_getcwd, p(cwd), sizeof cwd);
    check("chdir and getcwd", n == 0 && len == 6 && same(cwd, "/proc", 6), len);
    char text[16];
    n = read_file("../vfs-selftest/vfs/d2/c", text, sizeof text);
    check(".. crosses back over the /proc mount", n == 5, n);
    lkm_stat root {}, up {};
    stat_of("/", &root);
    stat_of("/proc/..", &up);
    check("/proc/.. is /", up.st_ino == root.st_ino && up.st_dev == root.st_dev, static_cast<long>(up.st_ino));
    stat_of("/..", &up);
    check("/.. is /", up.st_ino == root.st_ino, static_cast<long>(up.st_ino));
    long dfd = open_at("/vfs-selftest/vfs", LKM_O_RDONLY | LKM_O_DIRECTORY);
    n = sc(sys::NR_openat, dfd, p("d2/c"), LKM_O_RDONLY, 0);
    check("openat from a directory fd", n >= 0, n);
    close_fd(n);
    n = sc(sys::NR_fchdir, dfd);
    len = sc(sys::NR_getcwd, p(cwd), sizeof cwd);
    check("fchdir", n == 0 && len == 18 && same(cwd, "/vfs-selftest/vfs", 18), len);
    close_fd(dfd);
    sc(sys::NR_chdir, p("/"));
    n = read_file("/proc/mounts", text, sizeof text);
    check("/proc/mounts", n > 0 && same(text, "rootfs / ", 9), n);
}

void check_unlinked_open_file()
{
    long fd = open_at("/vfs-selftest/vfs/d2/c", LKM_O_RDONLY);
    long n = sc(sys::NR_unlink, p("/vfs-selftest/vfs/d2/c"));
    lkm_stat st {};
    check("unlink an open file", n == 0 && stat_of("/vfs-selftest/vfs/d2/c", &st) == -LKM_ENOENT, n);
    char text[16] = {};
    n = sys::read(static_cast<int>(fd), text, sizeof text);
    check("an unlinked file reads until closed", n == 5 && same(text, "HELLO", 5), n);
    sc(sys::NR_fstat, fd, p(&st));
    check("its link count drops", st.st_nlink == 1, static_cast<long>(st.st_nlink)); // /vfs-selftest/vfs/hard
    close_fd(fd);
    sc(sys::NR_unlink, p("/vfs-selftest/vfs/hard"));
}

void check_descriptors()
{
    make_file("/vfs-selftest/vfs/fds", "0123456789");
    long fd = open_at("/vfs-selftest/vfs/fds", LKM_O_RDWR);
    long n = sc(sys::NR_dup2, fd, 100);
    check("dup2", n == 100 && sc(sys::NR_fcntl, 100, LKM_F_GETFD) == 0, n);
    sys::lseek(static_cast<int>(fd), 4, sys::SEEK_SET);
    n = sys::lseek(100, 0, 1);
    check("dup2 shares the offset", n == 4, n);
    n = sc(sys::NR_dup3, fd, 101, LKM_O_CLOEXEC);
    check("dup3 O_CLOEXEC", n == 101 && sc(sys::NR_fcntl, 101, LKM_F_GETFD) == LKM_FD_CLOEXEC, n);
    expect_errno("dup3 same fd EINVAL", sc(sys::NR_dup3, fd, fd, 0), LKM_EINVAL);
    sc(sys::NR_fcntl, 101, LKM_F_SETFD, 0);
    check("F_SETFD", sc(sys::NR_fcntl, 101, LKM_F_GETFD) == 0, 0);
    n = sc(sys::NR_fcntl, fd, LKM_F_DUPFD, 50);
    check("F_DUPFD", n == 50, n);
    long m = sc(sys::NR_fcntl, fd, LKM_F_DUPFD_CLOEXEC, 50);
    check("F_DUPFD_CLOEXEC", m == 51 && sc(sys::NR_fcntl, m, LKM_F_GETFD) == LKM_FD_CLOEXEC, m);
    sc(sys::NR_fcntl, fd, LKM_F_SETFL, LKM_O_APPEND);
    long fl = sc(sys::NR_fcntl, 100, LKM_F_GETFL);
    check("F_SETFL/F_GETFL", (fl & LKM_O_ACCMODE) == LKM_O_RDWR && (fl & LKM_O_APPEND), fl);
    sys::write(100, "!", 1);
    lkm_stat st {};
    sc(sys::NR_fstat, fd, p(&st));
    check("O_APPEND writes at the end", st.st_size == 11, st.st_size);
    long dupped = sc(sys::NR_dup, fd);
    check("dup", dupped >= 3 && dupped < 50, dupped);
    const long opened[] = { fd, 100, 101, n, m, dupped };
    for (long d : opened)
        close_fd(d);
    expect_errno("closed fd EBADF", sys::read(100, &st, 1), LKM_EBADF);
}

void check_emfile()
{
    long first = -1, last = -1, error = 0, opened = 0;
    for (int i = 0; i < 2000; i++) {
        long fd = open_at("/vfs-selftest/vfs/fds", LKM_O_RDONLY);
        if (fd < 0) {
            error = fd;
            break;
        }
        if (first < 0)
            first = fd;
        last = fd;
        opened++;
    }
    check("EMFILE at RLIMIT_NOFILE (1024)", error == -LKM_EMFILE && last == 1023, last);
    for (long fd = first; fd >= 0 && fd <= last; fd++)
        close_fd(fd);
    long fd = open_at("/vfs-selftest/vfs/fds", LKM_O_RDONLY);
    check("descriptors come back", fd == first, fd);
    close_fd(fd);
    (void)opened;
}

void check_errors()
{
    lkm_stat st {};
    expect_errno("ENOENT", open_at("/vfs-selftest/vfs/missing", LKM_O_RDONLY), LKM_ENOENT);
    expect_errno("ENOENT in the middle", stat_of("/vfs-selftest/missing/x", &st), LKM_ENOENT);
    expect_errno("EEXIST mkdir", sc(sys::NR_mkdir, p("/vfs-selftest/vfs"), 0755), LKM_EEXIST);
    expect_errno("EEXIST O_EXCL", open_at("/vfs-selftest/vfs/fds", LKM_O_CREAT | LKM_O_EXCL | LKM_O_WRONLY, 0644), LKM_EEXIST);
    expect_errno("ENOTDIR", stat_of("/vfs-selftest/vfs/fds/x", &st), LKM_ENOTDIR);
    expect_errno("ENOTDIR O_DIRECTORY", open_at("/vfs-selftest/vfs/fds", LKM_O_RDONLY | LKM_O_DIRECTORY), LKM_ENOTDIR);
    expect_errno("EISDIR", open_at("/vfs-selftest/vfs", LKM_O_WRONLY), LKM_EISDIR);
    long dfd = open_at("/vfs-selftest/vfs", LKM_O_RDONLY);
    char c;
    expect_errno("EISDIR read", sys::read(static_cast<int>(dfd), &c, 1), LKM_EISDIR);
    close_fd(dfd);
    expect_errno("ENOTEMPTY", sc(sys::NR_rmdir, p("/vfs-selftest/vfs")), LKM_ENOTEMPTY);
    expect_errno("EPERM mkdir in /proc", sc(sys::NR_mkdir, p("/proc/x"), 0755), LKM_EPERM);
    expect_errno("ENAMETOOLONG (PATH_MAX+1)", stat_of(g_long_path, &st), LKM_ENAMETOOLONG);
    expect_errno("ENAMETOOLONG (NAME_MAX+1)", stat_of(g_long_name, &st), LKM_ENAMETOOLONG);
    expect_errno("EBADF", sys::read(999, &c, 1), LKM_EBADF);
    expect_errno("EFAULT path", stat_of(reinterpret_cast<const char*>(8), &st), LKM_EFAULT);
    long fd = open_at("/vfs-selftest/vfs/fds", LKM_O_RDONLY);
    expect_errno("EFAULT buffer", sys::read(static_cast<int>(fd), reinterpret_cast<void*>(8), 4), LKM_EFAULT);
    close_fd(fd);
    expect_errno("ENOTTY", sc(sys::NR_ioctl, g_log->fd(), 0x5401 /* TCGETS */, 0), LKM_ENOTTY);
}

void remove_everything()
{
    const char* const names[] = { "/vfs-selftest/vfs/fds", "/vfs-selftest/vfs/link", "/vfs-selftest/vfs/dirlink", "/vfs-selftest/vfs/loop1", "/vfs-selftest/vfs/loop2" };
    for (const char* path : names)
        sc(sys::NR_unlink, p(path));
    long n = sc(sys::NR_rmdir, p("/vfs-selftest/vfs/d2"));
    n |= sc(sys::NR_rmdir, p("/vfs-selftest/vfs"));
    n |= sc(sys::NR_rmdir, p("/vfs-selftest"));
    check("remove everything", n == 0, n);
}

} // namespace

void run_vfs_selftest()
{
    selftest_log log("vfs");
    g_log = &log;
    prepare_buffers();
    // The descriptor table grows once to its limit, as it stays: before the baseline.
    {
        make_file("/vfs-warmup", "");
        long fds[1100];
        long count = 0;
        for (; count < 1100; count++) {
            fds[count] = open_at("/vfs-warmup", LKM_O_RDONLY);
            if (fds[count] < 0)
                break;
        }
        while (count > 0)
            close_fd(fds[--count]);
        sc(sys::NR_unlink, p("/vfs-warmup"));
    }
    char before[256] = {}, after[256] = {};
    meminfo(before, sizeof before); // the first lookup of /proc/meminfo makes its dentry and inode
    long before_len = meminfo(before, sizeof before);
    check_files();
    check_getdents();
    check_rename_and_links();
    check_dotdot_and_cwd();
    check_unlinked_open_file();
    check_descriptors();
    check_emfile();
    check_errors();
    remove_everything();
    long after_len = meminfo(after, sizeof after);
    // MemTotal, MemFree and Slab: the same pages free and the same kmalloc bytes in use.
    check("meminfo back to baseline", before_len > 0 && after_len == before_len && same(before, after, static_cast<size_t>(before_len)), after_len);
    log.done();
    g_log = nullptr;
}

} // namespace init
