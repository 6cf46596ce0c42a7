// The VFS through the real system calls from ring 3 (init_test=vfs runs
// guest-kernel/user/selftest_vfs.cpp in init before it serves): files, stat, a directory of 300
// entries, rename, symlinks, `..` across the /proc mount, an unlinked open file, dup/fcntl, the
// descriptor limit, the errno cases, and memory back to its baseline once everything is removed.
// Each check is one line in the kernel log.
#include "session.h"

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const char* const k_expected_lines[] = {
    "vfs: mkdir ok",
    "vfs: open O_CREAT ok",
    "vfs: write ok",
    "vfs: lseek SEEK_SET ok",
    "vfs: read ok",
    "vfs: pread64 ok",
    "vfs: pread64 keeps the offset ok",
    "vfs: readv ok",
    "vfs: lseek SEEK_END ok",
    "vfs: pwrite64 ok",
    "vfs: ftruncate ok",
    "vfs: stat size and mode ok",
    "vfs: fstat ok",
    "vfs: newfstatat AT_EMPTY_PATH ok",
    "vfs: statx ok",
    "vfs: stat directory ok",
    "vfs: pwrite64 and ftruncate wrote ok",
    "vfs: 300 files ok",
    "vfs: getdents64 lists 300 entries ok",
    "vfs: unlink 300 ok",
    "vfs: rename within a directory ok",
    "vfs: rename across directories ok",
    "vfs: renameat2 RENAME_NOREPLACE EEXIST ok",
    "vfs: symlink and readlink ok",
    "vfs: open follows a symlink ok",
    "vfs: lstat sees the link ok",
    "vfs: symlink in the middle of a path ok",
    "vfs: O_NOFOLLOW ELOOP ok",
    "vfs: symlink loop ELOOP ok",
    "vfs: link ok",
    "vfs: chdir and getcwd ok",
    "vfs: .. crosses back over the /proc mount ok",
    "vfs: /proc/.. is / ok",
    "vfs: /.. is / ok",
    "vfs: openat from a directory fd ok",
    "vfs: fchdir ok",
    "vfs: /proc/mounts ok",
    "vfs: unlink an open file ok",
    "vfs: an unlinked file reads until closed ok",
    "vfs: its link count drops ok",
    "vfs: dup2 ok",
    "vfs: dup2 shares the offset ok",
    "vfs: dup3 O_CLOEXEC ok",
    "vfs: dup3 same fd EINVAL ok",
    "vfs: F_SETFD ok",
    "vfs: F_DUPFD ok",
    "vfs: F_DUPFD_CLOEXEC ok",
    "vfs: F_SETFL/F_GETFL ok",
    "vfs: O_APPEND writes at the end ok",
    "vfs: dup ok",
    "vfs: closed fd EBADF ok",
    "vfs: EMFILE at RLIMIT_NOFILE (1024) ok",
    "vfs: descriptors come back ok",
    "vfs: ENOENT ok",
    "vfs: ENOENT in the middle ok",
    "vfs: EEXIST mkdir ok",
    "vfs: EEXIST O_EXCL ok",
    "vfs: ENOTDIR ok",
    "vfs: ENOTDIR O_DIRECTORY ok",
    "vfs: EISDIR ok",
    "vfs: EISDIR read ok",
    "vfs: ENOTEMPTY ok",
    "vfs: EPERM mkdir in /proc ok",
    "vfs: ENAMETOOLONG (PATH_MAX+1) ok",
    "vfs: ENAMETOOLONG (NAME_MAX+1) ok",
    "vfs: EBADF ok",
    "vfs: EFAULT path ok",
    "vfs: EFAULT buffer ok",
    "vfs: ENOTTY ok",
    "vfs: remove everything ok",
    "vfs: meminfo back to baseline ok",
    "vfs: selftest done, 71 passed, 0 failed",
};

} // namespace

TEST_CASE("vfs: files, directories, rename, symlinks, mounts, descriptors and errors from ring 3, init serves after")
{
    auto s = run_session("dmesg; cat /proc/mounts", "init_test=vfs");
    INFO(s.console());
    REQUIRE(s.results.size() == 2);
    REQUIRE(s.result(0).ok);
    std::vector<std::string> expected(std::begin(k_expected_lines), std::end(k_expected_lines));
    CHECK(selftest_lines(s.result(0).output, "vfs: ") == expected);
    REQUIRE(s.result(1).ok); // init goes on serving, and the mounts are Linux's format
    CHECK(s.result(1).output == "rootfs / ramfs rw 0 0\nproc /proc proc rw 0 0\ndevtmpfs /dev devtmpfs rw 0 0\n");
    CHECK(s.stop.reason == StopReason::PowerOff);
}

TEST_CASE("vfs: the kernel's /proc files read as text")
{
    auto s = run_session("cat /proc/version; cat /proc/meminfo; cat /proc/modules");
    INFO(s.console());
    REQUIRE(s.results.size() == 3);
    REQUIRE(s.result(0).ok);
    CHECK(s.result(0).output.rfind("lkmemu kernel version 0.1 (clang ", 0) == 0);
    REQUIRE(s.result(1).ok);
    CHECK(s.result(1).output.rfind("MemTotal:", 0) == 0);
    CHECK(contains(s.result(1).output, "\nMemFree:"));
    CHECK(s.result(2).ok);
    CHECK(s.result(2).output.empty());
}
