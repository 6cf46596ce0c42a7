// Linux's user ABI beyond files and memory, through the real system calls from ring 3
// (init_test=abi runs guest-kernel/user/selftest_abi.cpp in init before it serves): uname,
// sysinfo, getrandom, rlimits, credentials, arch_prctl and %fs, set_tid_address and the robust
// list, prctl, the clocks, getcpu, and ENOSYS logged once per number. Then the harness's ls and
// lsmod.
#include "module_support.h"
#include "session.h"

#include <algorithm>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const char* const k_expected_lines[] = {
    "abi: selftest start",
    "abi: uname ok",
    "abi: uname: Linux | abi-test | lkmemu-abi1 | #1 lkmemu | x86_64 | (none)",
    "abi: uname with a bad pointer is EFAULT ok",
    "abi: sethostname as root ok",
    "abi: sethostname of 65 bytes is EINVAL ok",
    "abi: sethostname unprivileged is EPERM ok",
    "abi: sysinfo ok",
    "abi: sysinfo: RAM in bytes, free below total, a task, no swap ok",
    "abi: sysinfo with a bad pointer is EFAULT ok",
    "abi: getrandom 16 bytes ok",
    nullptr, // "abi: getrandom: <32 hex digits>": compared between boots below
    "abi: getrandom: the next bytes differ ok",
    "abi: getrandom GRND_RANDOM ok",
    "abi: getrandom GRND_INSECURE ok",
    "abi: getrandom GRND_INSECURE|GRND_RANDOM is EINVAL ok",
    "abi: getrandom with an unknown flag is EINVAL ok",
    "abi: getrandom to a bad pointer is EFAULT ok",
    "abi: getrandom of 0 bytes is 0 ok",
    "abi: RLIMIT_NOFILE is 1024/4096 ok",
    "abi: RLIMIT_STACK is 8 MiB/unlimited ok",
    "abi: RLIMIT_CORE is 0/unlimited ok",
    "abi: RLIMIT_NPROC is from memory, soft = hard ok",
    "abi: getrlimit(RLIM_NLIMITS) is EINVAL ok",
    "abi: setrlimit soft above hard is EINVAL ok",
    "abi: setrlimit lowers NOFILE to 512/2048 ok",
    "abi: raising the hard limit unprivileged is EPERM ok",
    "abi: raising the soft limit to the hard one unprivileged ok",
    "abi: prlimit64 as root: old 2048/2048, new 1024/4096 ok",
    "abi: prlimit64 of pid 1 reads RLIMIT_STACK ok",
    "abi: prlimit64 of no such pid is ESRCH ok",
    "abi: prlimit64 with a bad new pointer is EFAULT ok",
    "abi: root: uid, euid, gid, egid are 0 ok",
    "abi: setresgid as root ok",
    "abi: getgid and getegid follow ok",
    "abi: setregid: the saved gid follows the effective one ok",
    "abi: setgid as root sets all three ok",
    "abi: setgid(-1) is EINVAL ok",
    "abi: setresuid(1000, 1000, 0) ok",
    "abi: setreuid to an id not held is EPERM ok",
    "abi: setresgid unprivileged to a gid not held is EPERM ok",
    "abi: setreuid(-1, 0) unprivileged: 0 is the saved uid; saved follows ok",
    "abi: setuid(0) as root again ok",
    "abi: getresuid with bad pointers is EFAULT ok",
    "abi: setgroups as root ok",
    "abi: getgroups(0) counts them ok",
    "abi: getgroups with too small a list is EINVAL ok",
    "abi: getgroups gives them sorted ok",
    "abi: setgroups unprivileged is EPERM ok",
    "abi: setgroups(0) empties the list ok",
    "abi: arch_prctl(ARCH_SET_FS): %fs:0 is the block, %fs:8 its canary ok",
    "abi: the FS base survives a sleep ok",
    "abi: arch_prctl(ARCH_GET_FS) ok",
    "abi: arch_prctl(ARCH_SET_FS) of a non-canonical address is EPERM ok",
    "abi: arch_prctl(ARCH_SET_GS): %gs:0 and ARCH_GET_GS ok",
    "abi: arch_prctl with an unknown code is EINVAL ok",
    "abi: set_tid_address returns the tid ok",
    "abi: set_robust_list ok",
    "abi: set_robust_list with len 25 is EINVAL ok",
    "abi: get_robust_list ok",
    "abi: rseq is ENOSYS (no CONFIG_RSEQ) ok",
    "abi: prctl(PR_SET_NAME) cuts at 15 bytes ok",
    "abi: prctl(PR_GET_NAME) to a bad pointer is EFAULT ok",
    "abi: prctl(PR_SET_PDEATHSIG, SIGKILL) ok",
    "abi: prctl(PR_SET_PDEATHSIG, 65) is EINVAL ok",
    "abi: prctl(PR_GET_DUMPABLE) is 1 ok",
    "abi: prctl(PR_SET_DUMPABLE, 2) is EINVAL ok",
    "abi: prctl with an unknown option is EINVAL ok",
    "abi: CLOCK_MONOTONIC advances by the 20 ms slept ok",
    "abi: CLOCK_REALTIME is from 2024-01-01 on ok",
    "abi: CLOCK_BOOTTIME is CLOCK_MONOTONIC's time ok",
    "abi: clock_gettime of clock 99 is EINVAL ok",
    "abi: clock_gettime to a bad pointer is EFAULT ok",
    "abi: clock_getres is a tick (4 ms) ok",
    "abi: gettimeofday and time agree with CLOCK_REALTIME ok",
    "abi: times: clock ticks since boot ok",
    "abi: getcpu: CPU 0, node 0 ok",
    "abi: sched_getaffinity: 8 bytes, CPU 0 ok",
    "abi: sched_getaffinity with 4 bytes is EINVAL ok",
    "abi: an unimplemented call (sysfs) is ENOSYS, twice ok",
    "abi: a number past Linux's table is ENOSYS ok",
    "abi: selftest done, 78 passed, 0 failed",
};
constexpr size_t k_random_line = 11;

size_t count_of(const std::string& haystack, const std::string& needle)
{
    size_t count = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
        count++;
    return count;
}

// One boot of the self-test with this seed: its lines (the random one as it came).
struct AbiRun {
    std::vector<std::string> lines;
    std::string dmesg;
};

AbiRun run_selftest(const std::string& seed)
{
    auto s = run_session("dmesg; lsmod", "init_test=abi hostname=abi-test random.seed=" + seed);
    INFO(s.console());
    REQUIRE(s.results.size() == 2);
    REQUIRE(s.result(0).ok);
    CHECK(s.result(1).ok); // init serves after the self-test
    CHECK(s.stop.reason == StopReason::PowerOff);
    return { selftest_lines(s.result(0).output, "abi: "), s.result(0).output };
}

} // namespace

TEST_CASE("abi: uname, sysinfo, getrandom, limits, credentials, TLS, prctl, clocks and ENOSYS from ring 3")
{
    AbiRun run = run_selftest("one");
    REQUIRE(run.lines.size() == std::size(k_expected_lines));
    for (size_t i = 0; i < run.lines.size(); i++) {
        INFO(i);
        if (k_expected_lines[i])
            CHECK(run.lines[i] == k_expected_lines[i]);
    }
    CHECK(run.lines[k_random_line].rfind("abi: getrandom: ", 0) == 0);
    CHECK(run.lines[k_random_line].size() == std::string("abi: getrandom: ").size() + 32);

    // An unimplemented call is logged once with its Linux name, however often it is made; a
    // number past the table says "unknown"; rseq is one of them (a kernel without CONFIG_RSEQ).
    CHECK(count_of(run.dmesg, "lkmemu: init[1]: unimplemented system call 139 (sysfs)\n") == 1);
    CHECK(count_of(run.dmesg, "lkmemu: init[1]: unimplemented system call 334 (rseq)\n") == 1);
    CHECK(count_of(run.dmesg, "lkmemu: init[1]: unimplemented system call 1000 (unknown)\n") == 1);
}

TEST_CASE("abi: getrandom is deterministic: the same seed gives the same bytes, another seed others")
{
    AbiRun first = run_selftest("one");
    AbiRun again = run_selftest("one");
    AbiRun other = run_selftest("two");
    REQUIRE(first.lines.size() > k_random_line);
    REQUIRE(again.lines.size() > k_random_line);
    REQUIRE(other.lines.size() > k_random_line);
    CHECK(first.lines[k_random_line] == again.lines[k_random_line]);
    CHECK(first.lines[k_random_line] != other.lines[k_random_line]);
}

TEST_CASE("abi: uname's nodename defaults to lkmemu without hostname=")
{
    auto s = run_session("dmesg", "init_test=abi");
    REQUIRE(s.results.size() == 1);
    CHECK(contains(s.result(0).output, "abi: uname: Linux | lkmemu | lkmemu-abi1 | #1 lkmemu | x86_64 | (none)\n"));
}

TEST_CASE("abi: lsmod prints kmod's table with hello loaded, cat /proc/modules keeps the raw line")
{
    auto s = run_observed("insmod " + module_path("hello") + "; lsmod; cat /proc/modules; rmmod hello; lsmod");
    REQUIRE(s.results.size() == 5);
    CHECK(s.result(1).output == "Module                  Size  Used by\n"
                                "hello                  12288  0\n");
    CHECK(s.result(2).output == "hello 12288 0 - Live 0xffffffffa0000000\n");
    CHECK(s.result(4).output == "Module                  Size  Used by\n");
}

TEST_CASE("abi: lsmod lists a module's users after its count, comma-separated")
{
    auto s = run_observed("insmod " + module_path("provider") + "; insmod " + module_path("consumer") +
                          "; lsmod; rmmod consumer; rmmod provider");
    REQUIRE(s.results.size() == 5);
    std::vector<std::string> lines = lines_of(s.result(2).output);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "Module                  Size  Used by");
    CHECK(lines[1] == "consumer               12288  0");
    CHECK(lines[2] == "provider               12288  1 consumer");
}

TEST_CASE("abi: ls lists /proc and ls -l /dev with modes, owners and device numbers, sorted by name")
{
    auto s = run_session("ls /proc; ls -l /dev; ls /nonexistent");
    REQUIRE(s.results.size() == 3);
    INFO(s.result(0).error);
    REQUIRE(s.result(0).ok);
    std::vector<std::string> proc = lines_of(s.result(0).output);
    CHECK(std::find(proc.begin(), proc.end(), "modules") != proc.end());
    CHECK(std::is_sorted(proc.begin(), proc.end()));
    INFO(s.result(1).error);
    REQUIRE(s.result(1).ok);
    std::vector<std::string> dev = lines_of(s.result(1).output);
    CHECK(std::is_sorted(dev.begin(), dev.end(), [](const std::string& a, const std::string& b) {
        return a.substr(a.rfind(' ') + 1) < b.substr(b.rfind(' ') + 1);
    }));
    // /dev/kmsg is Linux's character device 1:11.
    bool kmsg = false;
    for (const std::string& line : dev) {
        if (line.ends_with(" kmsg")) {
            kmsg = true;
            CHECK(line.rfind("c", 0) == 0);
            CHECK(contains(line, "    1,   11 kmsg"));
        }
    }
    CHECK(kmsg);
    CHECK(s.result(2).status == -LKM_ENOENT);
    CHECK(s.result(2).error == "ls: cannot access '/nonexistent': No such file or directory");
}
