// selftest=sched: kernel threads and the scheduler, checked from inside the kernel by pid 1 before
// it becomes init (kernel/selftest_sched.cpp). Each line is one check; the boot then goes on to a
// normal session, so init (pid 1) and the return to user space still work after it.
#include "session.h"

using namespace lkmemu;
using namespace lkmemu::testing;

TEST_CASE("selftest=sched: kthreads, preemption at cond_resched, sleeps, mutex, completion, wait queues", "[sched]")
{
    Session s = run_session("meminfo", "selftest=sched");
    INFO(s.console());
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    CHECK(s.result(0).ok);
    std::string const console = s.console();
    CHECK(contains(console, "selftest: sched: two busy threads both progressed, switched at the tick's cond_resched\n"));
    CHECK(contains(console, "selftest: sched: msleep(20) woke after 20 ms\n"));
    CHECK(contains(console, "selftest: sched: 4 threads x 50 increments under a mutex, schedule() inside: 200\n"));
    CHECK(contains(console, "selftest: sched: complete() woke the waiter\n"));
    CHECK(contains(console, "selftest: sched: wait_event_timeout: 0 on timeout, jiffies left when woken\n"));
    CHECK(contains(console, "selftest: sched: all threads gone, memory back to baseline\n"));
    // All of it before init ran.
    CHECK(console.find("memory back to baseline") < console.find("Run /init as init process"));
    CHECK_FALSE(contains(console, "soft lockup"));
    CHECK_FALSE(contains(console, "DEBUG_LOCKS_WARN_ON"));
}

TEST_CASE("without the self-test, nothing of it is printed and modules load and unload in init", "[sched]")
{
    Session s = run_session("insmod " + std::string(LKMEMU_MODULES_DIR) + "/hello.ko; rmmod hello");
    INFO(s.console());
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    CHECK_FALSE(contains(s.console(), "selftest: sched"));
}

TEST_CASE("init_test=sched: getpid, gettid, getppid, sched_yield and the FPU state across a switch", "[sched]")
{
    Session s = run_session("dmesg", "init_test=sched");
    INFO(s.console());
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    REQUIRE(s.result(0).ok);
    std::string const log = s.result(0).output;
    for (const char* line : { "sched: getpid 1 ok", "sched: gettid 1 ok", "sched: getppid 0 ok", "sched: sched_yield ok",
                              "sched: initial FCW 0x37f ok", "sched: initial MXCSR 0x1f80 ok", "sched: nanosleep ok",
                              "sched: FCW kept across a switch ok", "sched: MXCSR kept across a switch ok",
                              "sched: XMM0 kept across a switch ok" }) {
        INFO(line);
        CHECK(contains(log, std::string(line) + "\n"));
    }
    CHECK_FALSE(contains(log, "FAILED"));
}
