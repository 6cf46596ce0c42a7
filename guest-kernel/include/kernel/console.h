// The serial console (drivers/uart16550.cpp): COM1, 115200 8N1, polled output.
#pragma once

#include <kernel/types.h>

void serial_console_init(); // program the UART and register it as printk's console
// The UART as the terminal ttyS0 (drivers/tty/): its devices in /dev and its receive interrupt.
// After vfs_init; with console=none too (the terminal is there, printk does not use it).
void serial_tty_init();
