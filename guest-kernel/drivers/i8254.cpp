// The 8254 programmable interval timer, channel 0 in rate-generator mode at HZ: the tick that
// drives jiffies and the printk clock (kernel/time.cpp).
#include <lkmemu/devices.h>
#include <asm/io.h>
#include <kernel/time.h>

namespace {
constexpr u8 PIT_CHANNEL0_LOHI_MODE2 = 0x34; // channel 0, lobyte/hibyte, mode 2, binary
constexpr u8 PIT_CHANNEL0_LATCH = 0x00;      // counter latch command for channel 0

u16 read_channel0_count()
{
    outb(LKMEMU_PORT_PIT_CMD, PIT_CHANNEL0_LATCH);
    u16 low = inb(LKMEMU_PORT_PIT_CH0);
    u16 high = inb(LKMEMU_PORT_PIT_CH0);
    return static_cast<u16>(low | (high << 8));
}
} // namespace

constexpr u32 PIT_LATCH = (LKMEMU_PIT_HZ + HZ / 2) / HZ;
static_assert(PIT_LATCH > 0 && PIT_LATCH <= 0xffff);

void setup_pit_timer()
{
    outb(LKMEMU_PORT_PIT_CMD, PIT_CHANNEL0_LOHI_MODE2);
    outb(LKMEMU_PORT_PIT_CH0, PIT_LATCH & 0xff);
    outb(LKMEMU_PORT_PIT_CH0, PIT_LATCH >> 8);
}

// Whether channel 0 counts down: its count changes every 838 ns, so a few latched reads tell.
bool pit_counter_running()
{
    u16 first = read_channel0_count();
    for (int i = 0; i < 1000000; i++) {
        if (read_channel0_count() != first)
            return true;
    }
    return false;
}
