#include <lkmemu/devices.h>
#include <asm/processor.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/vsprintf.h>

void panic(const char* fmt, ...)
{
    local_irq_disable();
    static bool in_panic;
    if (in_panic)
        machine_power_off(LKMEMU_EXIT_PANIC); // a panic while panicking: just stop
    in_panic = true;

    char message[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    pr_emerg("Kernel panic - not syncing: %s\n", message);
    pr_emerg("---[ end Kernel panic - not syncing: %s ]---\n", message);
    machine_power_off(LKMEMU_EXIT_PANIC);
}
