// Processes through the real system calls from ring 3 (init_test=proc runs
// guest-kernel/user/selftest_proc.cpp in init before it serves, on the build's initramfs): fork,
// vfork, wait4/waitid statuses and errors, an orphan reparented to init, execve of busybox and its
// errno cases, close-on-exec, "#!" scripts, RLIMIT_NPROC and threads-max against fork bombs, and
// 200 fork+exec+exit+wait with /proc/meminfo back to baseline. Each check is one line in the
// kernel log. The exec checks need busybox in the initramfs (Debian's busybox-static on the host
// when it was built); without it the guest says so and those lines are not expected.
#include "session.h"

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const char* const k_process_lines[] = {
    "proc: wait4 without children is ECHILD ok",
    "proc: fork returns the child's pid to the parent ok",
    "proc: fork returns 0 to the child, whose getppid is the parent ok",
    "proc: the child's writes are invisible to the parent (copy-on-write) ok",
    "proc: a reaped child is gone (ECHILD) ok",
    "proc: vfork shares memory and the parent resumes after the child's _exit ok",
    "proc: vfork child's status is its exit code ok",
    "proc: wait4 status of exit(3) is 0x300 ok",
    "proc: WNOHANG with a live child returns 0 ok",
    "proc: wait4 status of SIGKILL is 9 ok",
    "proc: wait4 status of a NULL write is SIGSEGV (11) ok",
    "proc: waitid WNOWAIT: CLD_EXITED, si_status 5, si_pid ok",
    "proc: after WNOWAIT the child is still waitable ok",
    "proc: waitid WNOHANG with a live child: 0 and si_pid 0 ok",
    "proc: waitid of a SIGKILL: CLD_KILLED, si_status 9 ok",
    "proc: waitid without WEXITED/WSTOPPED/WCONTINUED is EINVAL ok",
    "proc: wait4 with an unknown option is EINVAL ok",
    "proc: wait4 interrupted by a handled signal is EINTR ok",
    "proc: an orphaned grandchild is reparented to init (getppid 1) and init reaps it ok",
    "proc: execve of a missing file is ENOENT ok",
    "proc: execve of a text file without #! is ENOEXEC ok",
    "proc: execve without an x bit is EACCES ok",
    "proc: execve of a directory is EACCES ok",
    "proc: execve with a bad argv pointer is EFAULT ok",
    "proc: execve with an argument of MAX_ARG_STRLEN bytes is E2BIG ok",
    "proc: init is still itself after the failed execs ok",
};

const char* const k_busybox_lines[] = {
    "proc: exec of /bin/busybox true: status 0 ok",
    "proc: exec of /bin/busybox echo hi writes hi to its stdout ok",
    "proc: a close-on-exec descriptor is closed by exec ok",
    "proc: a #! script runs its interpreter with the script's path ok",
    "proc: vfork: the parent resumes after the child's exec, status 0 ok",
};

const char* const k_limit_lines[] = {
    "proc: RLIMIT_NPROC 16 for uid 1000 stops a fork bomb with EAGAIN after 15 children, all reaped ok",
    "proc: a fork bomb as root stops at threads-max with EAGAIN, all reaped ok",
};

Session boot_proc_selftest(const std::string& commands)
{
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.initrd = LKMEMU_INITRAMFS_PATH;
    options.cmdline = "init_test=proc";
    options.commands = commands;
    return run_session(std::move(options));
}

} // namespace

TEST_CASE("proc: fork, vfork, wait4/waitid, orphans, execve, close-on-exec, #!, fork bombs and 200 execs from ring 3",
          "[proc]")
{
    auto s = boot_proc_selftest("dmesg; lsmod");
    INFO(s.console());
    REQUIRE(s.results.size() == 2);
    REQUIRE(s.result(0).ok);
    std::string const& log = s.result(0).output;
    bool const busybox = !contains(log, "proc: no /bin/busybox in the guest: exec checks skipped");
    if (!busybox)
        WARN("busybox is not in the initramfs (install busybox-static and rebuild): the exec checks are skipped");
    std::vector<std::string> expected(std::begin(k_process_lines), std::end(k_process_lines));
    if (busybox)
        expected.insert(expected.end(), std::begin(k_busybox_lines), std::end(k_busybox_lines));
    else
        expected.push_back("proc: no /bin/busybox in the guest: exec checks skipped");
    expected.insert(expected.end(), std::begin(k_limit_lines), std::end(k_limit_lines));
    if (busybox)
        expected.push_back("proc: 200 fork+exec+exit+wait with /proc/meminfo back to baseline ok");
    unsigned const checks = static_cast<unsigned>(expected.size()) - (busybox ? 0 : 1);
    expected.push_back("proc: selftest done, " + std::to_string(checks) + " passed, 0 failed");
    CHECK(selftest_lines(log, "proc: ") == expected);
    // The NULL write killed only its process, with Linux's line naming it; the system went on.
    CHECK(contains(log, "]: segfault at 0 ip "));
    CHECK_FALSE(contains(s.console(), "Attempted to kill init"));
    CHECK(s.result(1).ok); // init serves after it all
    CHECK(s.stop.reason == StopReason::PowerOff);
}
