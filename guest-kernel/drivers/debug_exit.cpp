// Power-off through QEMU's isa-debug-exit device (lkmemu has the same device at the same port):
// a 32-bit write of V ends the machine with status V.
#include <lkmemu/devices.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <kernel/panic.h>

void machine_power_off(u32 status)
{
    local_irq_disable();
    outl(LKMEMU_PORT_DEBUG_EXIT, status);
    // Still running: there is no exit device (e.g. QEMU without -device isa-debug-exit). Stop here.
    for (;;)
        native_halt();
}
