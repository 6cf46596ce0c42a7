// Signals through the real system calls from ring 3 (init_test=signals runs
// guest-kernel/user/selftest_signals.cpp in init before it serves): handlers and rt_sigreturn,
// masks, siginfo, SA_RESETHAND, sa_mask, a SIGSEGV handler that skips the faulting load,
// sigaltstack, rt_sigsuspend and the errno cases. Each check is one line in the kernel log.
#include "session.h"

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const char* const k_expected_lines[] = {
    "signals: selftest start",
    "signals: sigaction ok",
    "signals: handler runs after kill(getpid()) ok",
    "signals: every register survives rt_sigreturn ok",
    "signals: SSE registers survive rt_sigreturn ok",
    "signals: handler entry RSP+8 is 16-byte aligned ok",
    "signals: blocked signal is not delivered ok",
    "signals: rt_sigpending shows the blocked signal ok",
    "signals: unblocking delivers it once ok",
    "signals: SA_SIGINFO: si_signo, si_code SI_USER, si_pid, si_uid ok",
    "signals: tgkill: si_code SI_TKILL ok",
    "signals: real-time signals queue: three sent, three delivered ok",
    "signals: SA_RESETHAND: handler once, then SIG_DFL ok",
    "signals: init ignores a default-action signal from user space ok",
    "signals: during the handler: the signal and sa_mask are blocked ok",
    "signals: sa_mask holds SIGUSR2 pending until the handler returns ok",
    "signals: the mask is back after rt_sigreturn ok",
    "signals: SIGSEGV handler: si_addr and SEGV_MAPERR ok",
    "signals: SIGSEGV sigcontext: trapno 14, user read error, cr2 ok",
    "signals: handler skips the load through uc_mcontext.rip ok",
    "signals: sigaltstack ok",
    "signals: SA_ONSTACK handler runs on the alternate stack ok",
    "signals: off the alternate stack after rt_sigreturn ok",
    "signals: sigaltstack below MINSIGSTKSZ is ENOMEM ok",
    "signals: rt_sigsuspend: the handler runs, EINTR, the old mask is back ok",
    "signals: rt_sigaction(SIGKILL) is EINVAL ok",
    "signals: rt_sigaction(SIGSTOP) is EINVAL ok",
    "signals: rt_sigaction with sigsetsize 16 is EINVAL ok",
    "signals: rt_sigaction with a bad act pointer is EFAULT ok",
    "signals: rt_sigaction with a bad oldact pointer is EFAULT ok",
    "signals: rt_sigaction(65) is EINVAL ok",
    "signals: rt_sigprocmask with a bad how is EINVAL ok",
    "signals: kill with signal 65 is EINVAL ok",
    "signals: kill of a pid that does not exist is ESRCH ok",
    "signals: kill(getpid(), 0) is 0 ok",
    "signals: tkill(0) is EINVAL ok",
    "signals: tgkill with the wrong thread group is ESRCH ok",
    "signals: selftest done, 36 passed, 0 failed",
};

} // namespace

TEST_CASE("signals: handlers, masks, siginfo, SIGSEGV, sigaltstack and errors from ring 3, and init serves after")
{
    auto s = run_session("dmesg; lsmod", "init_test=signals");
    INFO(s.console());
    REQUIRE(s.results.size() == 2);
    REQUIRE(s.result(0).ok);
    std::vector<std::string> expected(std::begin(k_expected_lines), std::end(k_expected_lines));
    CHECK(selftest_lines(s.result(0).output, "signals: ") == expected);
    // A handled SIGSEGV is not logged as a segfault (Linux logs only the unhandled ones).
    CHECK_FALSE(contains(s.result(0).output, "segfault at"));
    CHECK(s.result(1).ok); // init goes on serving
    CHECK(s.stop.reason == StopReason::PowerOff);
}

TEST_CASE("signals: an unhandled fault in init is logged and kills it, as Linux's \"Attempted to kill init!\"")
{
    // init_test=signals_segv: init reads an unmapped address with SIGSEGV at SIG_DFL.
    auto s = run_session("lsmod", "init_test=signals_segv");
    INFO(s.console());
    CHECK(s.stop.reason == StopReason::Panic);
    CHECK(contains(s.console(), "init[1]: segfault at 10 ip "));
    CHECK(contains(s.console(), "Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b"));
}
