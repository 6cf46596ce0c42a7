// The harness's guest-file and guest-program commands (docs/userland.md): cat of any guest file
// (byte for byte, streamed in parts), insmod of a guest path, and exec/sh's refusals when there is
// nothing to run. What needs busybox is in busybox_test.cpp.
#include "initramfs_support.h"

#include <lkmemu/errno.h>
#include <lkmemu/module_abi.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

using namespace lkmemu;
using namespace lkmemu::testing;

TEST_CASE("exec: cat gives any guest file byte for byte, a binary one larger than a part too")
{
    std::string const archive = read_bytes(default_image);
    std::string const dep = member_of(archive, modules_dir.substr(1) + "/modules.dep");
    std::string const dep_bin = member_of(archive, modules_dir.substr(1) + "/modules.dep.bin");
    // The largest sample module: more than one 64 KiB part of init's answer.
    std::string const big = member_of(archive, modules_dir.substr(1) + "/big.ko");
    REQUIRE(big.size() > 64 * 1024);
    auto s = run_on_initramfs("cat " + modules_dir + "/modules.dep; cat " + modules_dir + "/modules.dep.bin; cat " +
                              modules_dir + "/big.ko; cat " + modules_dir + "/big.ko; cat /etc/hostname");
    REQUIRE(s.results.size() == 5);
    for (size_t i = 0; i < 5; i++) {
        INFO(i);
        CHECK(s.result(i).ok);
        CHECK(s.result(i).status == 0);
    }
    CHECK(s.result(0).output == dep);
    CHECK(s.result(1).output == dep_bin); // binary: NULs and all
    CHECK(s.result(2).output.size() == big.size());
    CHECK(s.result(2).output == big);
    CHECK(s.result(3).output == big);
    CHECK(s.result(4).output == member_of(archive, "etc/hostname"));
    CHECK(s.result(4).output == "lkmemu\n");
    // A second cat of the same file costs nothing more: init's answer buffer holds one part.
    CHECK_MEMINFO_EQUAL(s.before(4).meminfo, s.before(3).meminfo);
}

TEST_CASE("exec: cat of a missing file fails as busybox's cat says, with ENOENT, a directory is EISDIR")
{
    auto s = run_on_initramfs("cat /nosuch; cat /lib; cat /proc/modules");
    REQUIRE(s.results.size() == 3);
    CHECK(!s.result(0).ok);
    CHECK(s.result(0).status == -LKM_ENOENT);
    CHECK(s.result(0).error == "cat: can't open '/nosuch': No such file or directory");
    CHECK(s.result(0).output.empty());
    CHECK(!s.result(1).ok);
    CHECK(s.result(1).status == -LKM_EISDIR);
    CHECK(s.result(1).error == "cat: /lib: Is a directory");
    CHECK(s.result(2).ok); // and the next command works
}

TEST_CASE("exec: insmod of a guest path loads the initramfs's module, guest: forces the guest")
{
    std::string const ko = modules_dir + "/hello.ko";
    REQUIRE(!std::filesystem::exists(ko)); // the precedence: a host file of that name would win
    auto s = run_on_initramfs("insmod " + ko + " who=guest; lsmod; rmmod hello; insmod guest:" + ko +
                              " who=forced; rmmod hello; insmod " + modules_dir + "/nosuch.ko; insmod guest:" +
                              modules_dir + "; insmod guest:hello.ko; dmesg");
    REQUIRE(s.results.size() == 9);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).output == "Module                  Size  Used by\nhello                  12288  0\n");
    CHECK(s.result(2).ok);
    CHECK(s.result(3).ok);
    CHECK(s.result(4).ok);
    CHECK(s.result(5).status == -LKM_ENOENT);
    CHECK(s.result(5).error == "insmod: ERROR: could not load module " + modules_dir +
                                   "/nosuch.ko: No such file or directory");
    // A directory opens; finit_module refuses what is not a regular file (the kernel's errno).
    CHECK(!s.result(6).ok);
    CHECK(s.result(6).status < 0);
    CHECK(s.result(7).error == "insmod: ERROR: guest:hello.ko: a guest path is absolute (guest:/lib/modules/...)");
    std::string const dmesg = s.result(8).output;
    CHECK(contains(dmesg, "Hello, guest!"));
    CHECK(contains(dmesg, "Goodbye, guest!"));
    CHECK(contains(dmesg, "Hello, forced!"));
    CHECK(contains(dmesg, "Goodbye, forced!"));
    // Loaded and unloaded twice from the guest's files, in a child of init each time: memory as
    // before the first.
    CHECK_MEMINFO_EQUAL(s.before(5).meminfo, s.before(0).meminfo);
}

TEST_CASE("exec: a missing program is ENOENT in a shell's words, sh without /bin/sh says there is no shell")
{
    // No initramfs: nothing to run, not even a shell.
    auto s = run_session("exec /bin/nosuch arg; sh 'echo hi'; lsmod");
    REQUIRE(s.results.size() == 3);
    CHECK(s.result(0).status == -LKM_ENOENT);
    CHECK(s.result(0).error == "exec: /bin/nosuch: No such file or directory");
    CHECK(!s.result(0).exit_code);
    CHECK(s.result(1).status == -LKM_ENOENT);
    CHECK(s.result(1).error ==
          "sh: /bin/sh: No such file or directory (the guest has no shell: an initramfs without busybox)");
    CHECK(s.result(2).ok);
}

TEST_CASE("exec: a file without execute permission is EACCES, and the next command works")
{
    auto s = run_on_initramfs("exec " + modules_dir + "/modules.dep; lsmod");
    REQUIRE(s.results.size() == 2);
    CHECK(s.result(0).status == -LKM_EACCES);
    CHECK(s.result(0).error == "exec: " + modules_dir + "/modules.dep: Permission denied");
    CHECK(s.result(1).ok);
}

TEST_CASE("exec: usage errors name the usage")
{
    auto s = run_session("exec; sh; sh a b");
    REQUIRE(s.results.size() == 3);
    CHECK(s.result(0).error == "exec: usage: exec PATH [ARG ...]");
    CHECK(s.result(1).error == "sh: usage: sh \"COMMAND LINE\"");
    CHECK(s.result(2).error == "sh: usage: sh \"COMMAND LINE\"");
}
