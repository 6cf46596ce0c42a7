// init_test=sched: the scheduler's system calls and the FPU state the context switch keeps,
// checked from ring 3 before init starts serving. getpid/gettid are 1 (init), getppid is 0 (the
// idle task, as init's parent is on Linux), sched_yield returns 0 with no one else to run; the
// x87 and SSE control words start as Linux sets them (FCW 0x37f, MXCSR 0x1f80) and, changed, come
// back intact, as does XMM0, across a nanosleep (init is switched out to the idle task and back).
// Each check writes "sched: NAME ok" or "sched: NAME FAILED (value)" to /dev/kmsg.
#include "init.h"
#include "selftest_log.h"
#include "syscall.h"

#include <lkmemu/fcntl.h>
#include <lkmemu/time.h>

namespace init {

namespace {

selftest_log* g_log; // while run_sched_selftest runs

void say(const char* name, bool ok, long value) { g_log->check(name, ok, nullptr, value); }

unsigned short read_fcw()
{
    unsigned short fcw;
    asm volatile("fnstcw %0" : "=m"(fcw));
    return fcw;
}
void write_fcw(unsigned short fcw) { asm volatile("fldcw %0" ::"m"(fcw)); }
unsigned read_mxcsr()
{
    unsigned mxcsr;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    return mxcsr;
}
void write_mxcsr(unsigned mxcsr) { asm volatile("ldmxcsr %0" ::"m"(mxcsr)); }
void write_xmm0(unsigned long value) { asm volatile("movq %0, %%xmm0" ::"r"(value) : "xmm0"); }
unsigned long read_xmm0()
{
    unsigned long value;
    asm volatile("movq %%xmm0, %0" : "=r"(value));
    return value;
}

void check_fpu_across_sleep()
{
    unsigned short const fcw = read_fcw();
    unsigned const mxcsr = read_mxcsr();
    say("initial FCW 0x37f", fcw == 0x37f, fcw);
    say("initial MXCSR 0x1f80", mxcsr == 0x1f80, mxcsr);
    constexpr unsigned short FCW_DOUBLE = 0x27f;    // 53-bit precision
    constexpr unsigned MXCSR_TRUNCATE = 0x7f80;     // round toward zero
    constexpr unsigned long PATTERN = 0x0123456789abcdefull;
    write_fcw(FCW_DOUBLE);
    write_mxcsr(MXCSR_TRUNCATE);
    write_xmm0(PATTERN);
    lkm_timespec ts { 0, 10 * 1000 * 1000 };
    long slept = sys::nanosleep(&ts);
    unsigned short const fcw_after = read_fcw();
    unsigned const mxcsr_after = read_mxcsr();
    unsigned long const xmm0_after = read_xmm0();
    write_fcw(fcw);
    write_mxcsr(mxcsr);
    say("nanosleep", slept == 0, slept);
    say("FCW kept across a switch", fcw_after == FCW_DOUBLE, fcw_after);
    say("MXCSR kept across a switch", mxcsr_after == MXCSR_TRUNCATE, mxcsr_after);
    say("XMM0 kept across a switch", xmm0_after == PATTERN, static_cast<long>(xmm0_after));
}

} // namespace

void run_sched_selftest()
{
    selftest_log log("sched");
    g_log = &log;
    long pid = sys::syscall(sys::NR_getpid);
    say("getpid 1", pid == 1, pid);
    long tid = sys::syscall(sys::NR_gettid);
    say("gettid 1", tid == 1, tid);
    long ppid = sys::syscall(sys::NR_getppid);
    say("getppid 0", ppid == 0, ppid);
    long yielded = sys::syscall(sys::NR_sched_yield);
    say("sched_yield", yielded == 0, yielded);
    check_fpu_across_sleep();
    g_log = nullptr;
}

} // namespace init
