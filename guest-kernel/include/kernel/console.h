// The serial console (drivers/uart16550.cpp): COM1, 115200 8N1, polled output.
#pragma once

#include <kernel/types.h>

void serial_console_init(); // program the UART and register it as printk's console
