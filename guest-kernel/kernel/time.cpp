// Timekeeping from the PIT tick: jiffies, and the printk clock derived from it.
#include <lkmemu/errno.h>
#include <lkmemu/time.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/irq.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
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
    if (cpu_was_quiescent(regs))
        run_timers();
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

// nanosleep(2): the only place the kernel waits with interrupts on. The CPU halts between ticks
// (timer callbacks run from those ticks) until jiffies reaches the deadline, rounded up to a tick.
// Nothing can interrupt the sleep (no signals), so rem is never written.
long sys_nanosleep(u64 req, u64 rem)
{
    (void)rem;
    lkm_timespec ts;
    if (copy_from_user(&ts, req, sizeof(ts)))
        return -LKM_EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -LKM_EINVAL;
    constexpr u64 NSEC_PER_TICK = 1000000000ull / HZ;
    u64 max_seconds = 86400ull * 365; // beyond a year, sleep a year: jiffies cannot overflow
    u64 seconds = min(static_cast<u64>(ts.tv_sec), max_seconds);
    u64 ticks = seconds * HZ + (static_cast<u64>(ts.tv_nsec) + NSEC_PER_TICK - 1) / NSEC_PER_TICK;
    u64 deadline = jiffies + ticks;
    while (static_cast<s64>(jiffies - deadline) < 0)
        safe_halt();
    local_irq_disable();
    return 0;
}
