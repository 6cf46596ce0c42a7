// The idle task (pid 0, the boot context): runs when nothing else can, halting with interrupts
// on. That halt is how guest time passes while every task sleeps: the emulator skips to the next
// tick, whose timer wakes a sleeper (the watchdog and the timers recognise safe_halt's
// "sti; hlt" as an idle CPU).
#include <asm/processor.h>
#include <kernel/sched.h>

void cpu_startup_entry()
{
    for (;;) {
        local_irq_disable();
        while (!need_resched()) {
            safe_halt();
            local_irq_disable();
        }
        schedule();
    }
}
