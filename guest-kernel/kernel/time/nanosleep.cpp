// Sleeping for a time (Linux's hrtimer_nanosleep and posix-timers.c's clock_nanosleep): the task
// sleeps on a timer until jiffies reaches the deadline, rounded up to a tick (the CPU idles
// meanwhile, or runs other tasks). The sleep is interruptible: a signal ends it early with EINTR
// and, for a relative request, the time left in rem (Linux would restart it after a handler
// through restart_block; lkmemu does not, so an interrupted sleep always reports EINTR).
#include <lkmemu/errno.h>
#include <lkmemu/time.h>
#include <asm/uaccess.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>
#include <kernel/timer.h>

namespace {

constexpr u64 NSEC_PER_SEC = 1000000000ull;
constexpr u64 NSEC_PER_TICK = NSEC_PER_SEC / HZ;
constexpr u64 MAX_SLEEP_NS = 86400ull * 365 * NSEC_PER_SEC; // beyond a year, a year: jiffies cannot overflow

bool timespec_valid(const lkm_timespec& ts) { return ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000; }

u64 timespec_to_ns(const lkm_timespec& ts)
{
    u64 seconds = static_cast<u64>(ts.tv_sec);
    if (seconds > MAX_SLEEP_NS / NSEC_PER_SEC)
        return MAX_SLEEP_NS;
    return seconds * NSEC_PER_SEC + static_cast<u64>(ts.tv_nsec);
}

// Sleep ns (rounded up to ticks); on a signal, EINTR with the time left written to rem (if set).
long do_nanosleep(u64 ns, u64 rem)
{
    long left = static_cast<long>((min(ns, MAX_SLEEP_NS) + NSEC_PER_TICK - 1) / NSEC_PER_TICK);
    while (left) {
        left = schedule_timeout_interruptible(left);
        if (left && signal_pending(current())) {
            if (rem) {
                lkm_timespec remaining { static_cast<s64>(static_cast<u64>(left) / HZ),
                                         static_cast<s64>(static_cast<u64>(left) % HZ * NSEC_PER_TICK) };
                if (copy_to_user(rem, &remaining, sizeof(remaining)))
                    return -LKM_EFAULT;
            }
            return -LKM_EINTR;
        }
    }
    return 0;
}

} // namespace

long sys_nanosleep(u64 req, u64 rem)
{
    lkm_timespec ts;
    if (copy_from_user(&ts, req, sizeof(ts)))
        return -LKM_EFAULT;
    if (!timespec_valid(ts))
        return -LKM_EINVAL;
    return do_nanosleep(timespec_to_ns(ts), rem);
}

// clock_nanosleep(2): on the clocks that can be slept on (Linux's k_clock with an nsleep);
// TIMER_ABSTIME makes the request a deadline on that clock, and rem is then not written. The
// CPU-time clocks are EINVAL here, since lkmemu keeps no CPU time per task.
long sys_clock_nanosleep(int which_clock, int flags, u64 rqtp, u64 rmtp)
{
    u64 now;
    if (!posix_clock_now(which_clock, &now))
        return -LKM_EINVAL;
    if (which_clock == LKM_CLOCK_MONOTONIC_RAW || which_clock == LKM_CLOCK_REALTIME_COARSE ||
        which_clock == LKM_CLOCK_MONOTONIC_COARSE)
        return -LKM_EOPNOTSUPP; // readable, but Linux cannot sleep on them either
    lkm_timespec ts;
    if (copy_from_user(&ts, rqtp, sizeof(ts)))
        return -LKM_EFAULT;
    if (!timespec_valid(ts))
        return -LKM_EINVAL;
    if (!(flags & LKM_TIMER_ABSTIME))
        return do_nanosleep(timespec_to_ns(ts), rmtp);
    u64 seconds = static_cast<u64>(ts.tv_sec);
    u64 deadline = seconds < ~0ull / NSEC_PER_SEC - 1 ? seconds * NSEC_PER_SEC + static_cast<u64>(ts.tv_nsec) : ~0ull;
    return deadline > now ? do_nanosleep(deadline - now, 0) : 0;
}
