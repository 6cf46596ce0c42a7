// The 16550 UART on COM1 as the console and as the terminal ttyS0 (Linux's 8250 driver in
// miniature). Output is polled (wait for the transmit holding register to empty, then write),
// so it works with interrupts off and in a panic, and printk's lines and the terminal's bytes
// go out one after the other on the one line, none lost. Input comes by interrupt: IRQ 4 on
// "received data available", and the handler drains the receive FIFO into the terminal.
#include <lkmemu/devices.h>
#include <asm/io.h>
#include <kernel/console.h>
#include <kernel/irq.h>
#include <kernel/printk.h>
#include <kernel/tty.h>

namespace {

enum : u16 {
    UART_TX = 0,  // transmit holding register (written with DLAB = 0)
    UART_RX = 0,  // receive buffer register (read with DLAB = 0)
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
constexpr u8 UART_LSR_THRE = 0x20, UART_LSR_DR = 0x01;
constexpr u8 UART_IER_RDI = 0x01;  // interrupt when received data is available
constexpr u8 UART_MCR_OUT2 = 0x08; // on a PC, gates the UART's interrupt onto the IRQ line
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

const tty_driver_ops g_serial_tty_ops = { serial_console_write };
tty_struct* g_serial_tty;

// Everything the FIFO holds, in batches for the line discipline (Linux's serial8250_rx_chars).
void serial_interrupt()
{
    u8 bytes[64];
    size_t count = 0;
    while (inb(LKMEMU_PORT_COM1 + UART_LSR) & UART_LSR_DR) {
        bytes[count++] = inb(LKMEMU_PORT_COM1 + UART_RX);
        if (count == sizeof(bytes)) {
            tty_receive(g_serial_tty, bytes, count);
            count = 0;
        }
    }
    if (count)
        tty_receive(g_serial_tty, bytes, count);
}

} // namespace

void serial_tty_init()
{
    g_serial_tty = tty_register_console("ttyS0", &g_serial_tty_ops);
    if (!g_serial_tty)
        return;
    int error = request_irq(LKMEMU_IRQ_COM1, serial_interrupt, "ttyS0");
    if (error) {
        pr_err("ttyS0: cannot get IRQ %d: %d\n", LKMEMU_IRQ_COM1, error);
        return;
    }
    outb(LKMEMU_PORT_COM1 + UART_MCR, UART_MCR_DTR_RTS | UART_MCR_OUT2);
    outb(LKMEMU_PORT_COM1 + UART_IER, UART_IER_RDI);
}

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
