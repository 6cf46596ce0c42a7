// Timekeeping from the PIT tick: jiffies, and the printk clock derived from it.
#include <lkmemu/errno.h>
#include <asm/processor.h>
#include <kernel/irq.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
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
