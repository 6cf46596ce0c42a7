// selftest=oops: an oops in a task other than init kills that task with SIGSEGV and the kernel
// goes on (kernel/traps.cpp, oops_end -> make_task_dead), and module calls run on a stack of their
// own, so a stray return cannot unwind into the kernel's frames (kernel/module/module_call.cpp).
// Checked from inside the kernel by pid 1 before it becomes init (kernel/selftest_oops.cpp); the
// boot then goes on to a normal session.
#include "session.h"

using namespace lkmemu;
using namespace lkmemu::testing;

TEST_CASE("selftest=oops: oopsing kernel threads die with SIGSEGV, taint D, memory back, init goes on", "[oops]")
{
    Session s = run_session("insmod " + std::string(LKMEMU_MODULES_DIR) + "/hello.ko; lsmod; rmmod hello; cat /proc/sys/kernel/tainted",
                            "selftest=oops");
    INFO(s.console());
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    std::string const console = s.console();
    CHECK(contains(console, "BUG: kernel NULL pointer dereference, address: 0000000000000000\n"));
    CHECK(contains(console, "Comm: oops-null Tainted: D"));
    CHECK(contains(console, "selftest: oops: a kernel thread's NULL dereference killed it with SIGSEGV; tainted D\n"));
    CHECK(contains(console, "selftest: oops: a stray return in a module call killed its kernel thread, not the caller's frames\n"));
    CHECK(contains(console, "BUG: stack guard page was hit at "));
    CHECK(contains(console, "kernel stack overflow (double-fault): 0000 [#"));
    CHECK(contains(console, "selftest: oops: a module call's stack overflow killed its kernel thread\n"));
    CHECK(contains(console, "selftest: oops: a catching module call's stray return came back as -EFAULT in a kernel thread\n"));
    CHECK(contains(console, "selftest: oops: pid 1's stray return in a module call came back as -EFAULT\n"));
    CHECK(contains(console, "selftest: oops: the dead threads' stacks are freed, memory back to baseline\n"));
    // The oopses are numbered, and nothing panicked: init ran and served every command after.
    CHECK(contains(console, "Oops: 0000 [#2]"));
    CHECK_FALSE(contains(console, "Kernel panic"));
    CHECK(console.find("memory back to baseline") < console.find("Run /init as init process"));
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    CHECK(s.result(2).ok);
    REQUIRE(s.result(3).ok);
    CHECK(s.result(3).output == "128\n"); // D (1 << 7)
}

TEST_CASE("insmod_in=child: an oops during a load kills insmod's child, not init, and the next commands work", "[oops]")
{
    std::string const dir = LKMEMU_MODULES_DIR;
    Session s = run_session("insmod " + dir + "/wx_text.ko; lsmod; insmod " + dir + "/hello.ko; rmmod hello; cat /proc/sys/kernel/tainted",
                            "insmod_in=child");
    INFO(s.console());
    REQUIRE(s.results.size() == 5);
    CHECK_FALSE(s.result(0).ok);
    CHECK(s.result(0).signal == 11);
    CHECK(contains(s.result(0).error, "insmod: killed by signal 11 (SIGSEGV)"));
    CHECK(contains(s.console(), "CPU: 0 PID: 2 Comm: init\n")); // the child: a copy of init, not exec'd
    // As on Linux, the module whose init died with its task stays, still coming up.
    CHECK(contains(s.result(1).output, "wx_text "));
    CHECK(s.result(2).ok);
    CHECK(s.result(3).ok);
    CHECK(contains(s.console(), "Hello, world!"));
    REQUIRE(s.result(4).ok);
    CHECK(s.result(4).output == "128\n"); // D (1 << 7): the signed modules add no E
}
