// The 16550 UART on COM1 as the console. Output is polled (wait for the transmit holding
// register to empty, then write), so it works with interrupts off and in a panic.
#include <lkmemu/devices.h>
#include <asm/io.h>
#include <kernel/console.h>
#include <kernel/printk.h>

namespace {

enum : u16 {
    UART_TX = 0,  // transmit holding register (DLAB = 0)
    UART_DLL = 0, // divisor latch low (DLAB = 1)
    UART_IER = 1, // interrupt enable (DLAB = 0)
    UART_DLM = 1, // divisor latch high (DLAB = 1)
    UART_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
};
constexpr u8 UART_LCR_DLAB = 0x80, UART_LCR_8N1 = 0x03;
constexpr u8 UART_FCR_ENABLE_CLEAR = 0x07;
constexpr u8 UART_MCR_DTR_RTS = 0x03;
constexpr u8 UART_LSR_THRE = 0x20;
constexpr u32 UART_BAUD_BASE = 115200;
constexpr u32 BAUD = 115200;

void serial_putc(char c)
{
    // A bounded wait: a missing or wedged UART must not hang the kernel, only lose output.
    for (int spin = 0; spin < 100000 && !(inb(LKMEMU_PORT_COM1 + UART_LSR) & UART_LSR_THRE); spin++)
        ;
    outb(LKMEMU_PORT_COM1 + UART_TX, static_cast<u8>(c));
}

void serial_console_write(const char* text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        serial_putc(text[i]);
}

} // namespace

void serial_console_init()
{
    constexpr u16 divisor = UART_BAUD_BASE / BAUD;
    outb(LKMEMU_PORT_COM1 + UART_IER, 0x00); // polled: no UART interrupts
    outb(LKMEMU_PORT_COM1 + UART_LCR, UART_LCR_DLAB);
    outb(LKMEMU_PORT_COM1 + UART_DLL, divisor & 0xff);
    outb(LKMEMU_PORT_COM1 + UART_DLM, divisor >> 8);
    outb(LKMEMU_PORT_COM1 + UART_LCR, UART_LCR_8N1);
    outb(LKMEMU_PORT_COM1 + UART_FCR, UART_FCR_ENABLE_CLEAR);
    outb(LKMEMU_PORT_COM1 + UART_MCR, UART_MCR_DTR_RTS);
    register_console(serial_console_write);
}
