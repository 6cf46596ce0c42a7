// Debian's unmodified busybox (the default initramfs's /bin/busybox) driving the module tools
// inside the guest, through the harness's exec and sh (issue #11's Proof). Without busybox on the
// host the image has none, and these tests say they are skipped and why.
#include "initramfs_support.h"

#include <lkmemu/errno.h>
#include <lkmemu/module_abi.h>

#include <string>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const std::string release = LKM_UTS_RELEASE;

#define REQUIRE_BUSYBOX()                                                                               \
    do {                                                                                                \
        if (!image_has_busybox()) {                                                                     \
            WARN("skipped: the default initramfs has no /bin/busybox (install Debian's busybox-static)"); \
            return;                                                                                     \
        }                                                                                               \
    } while (0)

} // namespace

TEST_CASE("busybox: uname -r is the modules' release")
{
    REQUIRE_BUSYBOX();
    auto s = run_on_initramfs("exec /bin/busybox uname -r");
    REQUIRE(s.results.size() == 1);
    CHECK(s.result(0).ok);
    CHECK(s.result(0).output == release + "\n");
    CHECK(s.result(0).exit_code == 0);
}

TEST_CASE("busybox: insmod, lsmod, lsmod | grep, rmmod and modinfo of the initramfs's hello.ko")
{
    REQUIRE_BUSYBOX();
    std::string const ko = modules_dir + "/hello.ko";
    auto s = run_on_initramfs("exec /bin/busybox insmod " + ko + " who=busybox; exec /bin/busybox lsmod; sh 'lsmod | grep hello'; "
                              "exec /bin/busybox rmmod hello; exec /bin/busybox lsmod; exec /bin/busybox modinfo " + ko +
                              "; dmesg");
    REQUIRE(s.results.size() == 7);
    for (size_t i = 0; i < 6; i++) {
        INFO(i << ": " << s.result(i).command << " -> " << s.result(i).error);
        CHECK(s.result(i).ok);
        CHECK(s.result(i).exit_code == 0);
    }
    CHECK(s.result(0).output == "");
    CHECK(s.result(1).output == "Module                  Size  Used by    Not tainted\nhello                  12288  0 \n");
    CHECK(s.result(2).output == "hello                  12288  0 \n");
    CHECK(s.result(3).output == "");
    CHECK(s.result(4).output == "Module                  Size  Used by    Not tainted\n");
    CHECK(contains(s.result(5).output, "filename:       " + ko + "\n"));
    CHECK(contains(s.result(5).output, "license:        GPL\n"));
    CHECK(contains(s.result(6).output, "Hello, busybox!"));
    CHECK(contains(s.result(6).output, "Goodbye, busybox!"));
}

TEST_CASE("busybox: ls /proc and ls -l of the modules' directory")
{
    REQUIRE_BUSYBOX();
    auto s = run_on_initramfs("exec /bin/ls /proc; exec /bin/ls " + modules_dir);
    REQUIRE(s.results.size() == 2);
    CHECK(s.result(0).ok);
    CHECK(contains(s.result(0).output, "modules\n"));
    CHECK(contains(s.result(0).output, "meminfo\n"));
    CHECK(s.result(1).ok);
    CHECK(contains(s.result(1).output, "hello.ko\n"));
    CHECK(contains(s.result(1).output, "modules.dep\n"));
}

TEST_CASE("busybox: a shell killed by SIGSEGV is status 139, and the next command works")
{
    REQUIRE_BUSYBOX();
    auto s = run_on_initramfs("sh 'kill -SEGV $$'; exec /bin/busybox false; sh 'echo out; echo err >&2; exit 3'; "
                              "exec /bin/busybox echo still here");
    REQUIRE(s.results.size() == 4);
    CHECK(!s.result(0).ok);
    CHECK(s.result(0).signal == 11); // SIGSEGV (lkmemu/signal.h clashes with the host's <signal.h>)
    CHECK(!s.result(0).exit_code);
    CHECK(s.result(0).error == "sh: killed by signal 11 (SIGSEGV)");
    CHECK(!s.result(1).ok);
    CHECK(s.result(1).exit_code == 1);
    CHECK(s.result(1).error == "exec: /bin/busybox: exit status 1");
    CHECK(!s.result(2).ok);
    CHECK(s.result(2).exit_code == 3);
    CHECK(s.result(2).output == "out\nerr\n"); // stdout and stderr: one pipe, in order
    CHECK(s.result(2).error == "sh: exit status 3");
    CHECK(s.result(3).ok);
    CHECK(s.result(3).output == "still here\n");
}

TEST_CASE("busybox: 200 exec of true in one boot, memory back to its baseline")
{
    REQUIRE_BUSYBOX();
    std::string commands = "exec /bin/busybox true";
    for (int i = 1; i < 200; i++)
        commands += "; exec /bin/busybox true";
    auto s = run_on_initramfs(commands);
    REQUIRE(s.results.size() == 200);
    size_t ok = 0;
    for (const CommandResult& result : s.results)
        ok += result.ok && result.exit_code == 0 && result.output.empty();
    CHECK(ok == 200);
    // After the first (which maps init's pages the command path touches): the same memory.
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(1).meminfo);
}

TEST_CASE("busybox: sleep 2 sleeps two seconds of guest time (clock_nanosleep)")
{
    REQUIRE_BUSYBOX();
    auto s = run_on_initramfs("cat /proc/uptime; exec /bin/busybox sleep 2; cat /proc/uptime");
    REQUIRE(s.results.size() == 3);
    REQUIRE(s.result(0).ok);
    CHECK(s.result(1).ok);
    CHECK(s.result(1).exit_code == 0);
    REQUIRE(s.result(2).ok);
    double const before = std::stod(s.result(0).output), after = std::stod(s.result(2).output);
    CHECK(after - before >= 2.0);
    CHECK(after - before < 2.5); // the exec and the reads cost a few ticks, not seconds
    CHECK_FALSE(contains(s.console(), "unimplemented system call 230"));
}
