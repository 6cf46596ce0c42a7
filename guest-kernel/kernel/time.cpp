// Timekeeping from the PIT tick: jiffies, and the printk clock derived from it.
#include <lkmemu/errno.h>
#include <lkmemu/time.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/irq.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/signal.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>
#include <kernel/timer.h>
#include <kernel/watchdog.h>

void setup_pit_timer();    // drivers/i8254.cpp
bool pit_counter_running(); // drivers/i8254.cpp
volatile u64 jiffies;

namespace {
bool g_timer_running;
}

u64 local_clock() { return g_timer_running ? jiffies * (1000000000ull / HZ) : 0; }

void timer_interrupt()
{
    jiffies = jiffies + 1;
    const pt_regs* regs = get_irq_regs();
    // Callbacks run where the kernel is between pieces of work (user mode, the idle halt), not on
    // top of a module's init that spins with interrupts on: its kernel calls are not re-entrant.
    // Elsewhere they wait for the next schedule(), which the tick asks for.
    if (cpu_was_quiescent(regs))
        run_timers();
    else if (timers_expired())
        set_need_resched();
    scheduler_tick();
    watchdog_timer_fn(regs);
}

void time_init()
{
    setup_pit_timer();
    request_irq(0, timer_interrupt, "timer");
    g_timer_running = true;
    // Proof that the timer runs: its counter moves. Waiting for the first tick instead, as Linux's
    // calibrate_delay waits for a jiffy, would add up to 1/HZ (4 ms) to every boot; the tick's
    // path to the CPU is exercised from the first tick on (jiffies, the printk clock, nanosleep).
    if (!pit_counter_running())
        panic("clocksource: the PIT's channel 0 does not count");
    pr_info("clocksource: PIT at %lu Hz, counter running\n", HZ);
}

// nanosleep(2): the task sleeps on a timer until jiffies reaches the deadline, rounded up to a
// tick (the CPU idles meanwhile, or runs other tasks). An interruptible sleep: a signal ends it
// early with EINTR and the time left in rem, as Linux's hrtimer_nanosleep (without the restart).
long sys_nanosleep(u64 req, u64 rem)
{
    lkm_timespec ts;
    if (copy_from_user(&ts, req, sizeof(ts)))
        return -LKM_EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -LKM_EINVAL;
    constexpr u64 NSEC_PER_TICK = 1000000000ull / HZ;
    u64 max_seconds = 86400ull * 365; // beyond a year, sleep a year: jiffies cannot overflow
    u64 seconds = min(static_cast<u64>(ts.tv_sec), max_seconds);
    u64 ticks = seconds * HZ + (static_cast<u64>(ts.tv_nsec) + NSEC_PER_TICK - 1) / NSEC_PER_TICK;
    long left = static_cast<long>(ticks);
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
