// Reading the clocks (Linux's kernel/time/posix-timers.c, time.c and kernel/sys.c's times): all of
// them count the guest's own time, the PIT's ticks (kernel/time.h), so a run reads the same times
// whatever the host does. CLOCK_MONOTONIC and CLOCK_BOOTTIME are the time since the timer started
// (there is no suspend, so they are one clock); CLOCK_REALTIME is that plus a fixed epoch,
// 2024-01-01T00:00:00Z, so a date is deterministic too. The resolution is a tick (1/HZ).
//
// Not kept: CPU time per task. The CPU-time clocks are EINVAL and times(2)'s struct tms is zero;
// its return value, the clock ticks since boot, is real.
#include <lkmemu/errno.h>
#include <lkmemu/time.h>
#include <asm/uaccess.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>

namespace {

constexpr u64 NSEC_PER_SEC = 1000000000;
constexpr u64 REALTIME_EPOCH = 1704067200; // 2024-01-01T00:00:00Z in seconds since 1970

struct timezone_abi { // struct timezone: gettimeofday's second argument, always zero on Linux
    int tz_minuteswest;
    int tz_dsttime;
};

lkm_timespec to_timespec(u64 ns)
{
    return { static_cast<int64_t>(ns / NSEC_PER_SEC), static_cast<int64_t>(ns % NSEC_PER_SEC) };
}

} // namespace

bool posix_clock_now(int clock, u64* ns)
{
    switch (clock) {
    case LKM_CLOCK_REALTIME:
    case LKM_CLOCK_REALTIME_COARSE:
        *ns = REALTIME_EPOCH * NSEC_PER_SEC + local_clock();
        return true;
    case LKM_CLOCK_MONOTONIC:
    case LKM_CLOCK_MONOTONIC_RAW:
    case LKM_CLOCK_MONOTONIC_COARSE:
    case LKM_CLOCK_BOOTTIME:
        *ns = local_clock();
        return true;
    default:
        return false;
    }
}

long sys_clock_gettime(int which_clock, u64 tp)
{
    u64 ns;
    if (!posix_clock_now(which_clock, &ns))
        return -LKM_EINVAL;
    lkm_timespec ts = to_timespec(ns);
    return copy_to_user(tp, &ts, sizeof(ts)) ? -LKM_EFAULT : 0;
}

long sys_clock_getres(int which_clock, u64 tp)
{
    u64 ns;
    if (!posix_clock_now(which_clock, &ns))
        return -LKM_EINVAL;
    if (!tp)
        return 0;
    lkm_timespec res = to_timespec(NSEC_PER_SEC / HZ);
    return copy_to_user(tp, &res, sizeof(res)) ? -LKM_EFAULT : 0;
}

long sys_gettimeofday(u64 tv, u64 tz)
{
    if (tv) {
        u64 ns;
        posix_clock_now(LKM_CLOCK_REALTIME, &ns);
        lkm_timeval value { static_cast<int64_t>(ns / NSEC_PER_SEC), static_cast<int64_t>(ns % NSEC_PER_SEC / 1000) };
        if (copy_to_user(tv, &value, sizeof(value)))
            return -LKM_EFAULT;
    }
    if (tz) {
        timezone_abi zone {};
        if (copy_to_user(tz, &zone, sizeof(zone)))
            return -LKM_EFAULT;
    }
    return 0;
}

long sys_time(u64 tloc)
{
    u64 ns;
    posix_clock_now(LKM_CLOCK_REALTIME, &ns);
    int64_t seconds = static_cast<int64_t>(ns / NSEC_PER_SEC);
    if (tloc && copy_to_user(tloc, &seconds, sizeof(seconds)))
        return -LKM_EFAULT;
    return seconds;
}

long sys_times(u64 tbuf)
{
    if (tbuf) {
        lkm_tms value {}; // CPU time is not accounted per task
        if (copy_to_user(tbuf, &value, sizeof(value)))
            return -LKM_EFAULT;
    }
    return static_cast<long>(local_clock() / (NSEC_PER_SEC / LKM_USER_HZ));
}
