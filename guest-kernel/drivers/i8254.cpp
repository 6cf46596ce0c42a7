// The 8254 programmable interval timer, channel 0 in rate-generator mode at HZ: the tick that
// drives jiffies and the printk clock (kernel/time.cpp).
#include <abi/lkmemu/devices.h>
#include <asm/io.h>
#include <kernel/time.h>

namespace {
constexpr u8 PIT_CHANNEL0_LOHI_MODE2 = 0x34; // channel 0, lobyte/hibyte, mode 2, binary
}

constexpr u32 PIT_LATCH = (LKMEMU_PIT_HZ + HZ / 2) / HZ;
static_assert(PIT_LATCH > 0 && PIT_LATCH <= 0xffff);

void setup_pit_timer()
{
    outb(LKMEMU_PORT_PIT_CMD, PIT_CHANNEL0_LOHI_MODE2);
    outb(LKMEMU_PORT_PIT_CH0, PIT_LATCH & 0xff);
    outb(LKMEMU_PORT_PIT_CH0, PIT_LATCH >> 8);
}
