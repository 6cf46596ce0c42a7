// The machine's device map, as both the emulator and the kernel see it. Every device here is one
// a PC (and QEMU's q35/pc machine) has too, except the harness, which is absent under QEMU: the
// kernel probes for it and carries on without it.
#pragma once

/* 16550 UART, COM1. The console. */
#define LKMEMU_PORT_COM1 0x3f8
#define LKMEMU_IRQ_COM1 4

/* isa-debug-exit (QEMU: -device isa-debug-exit,iobase=0xf4,iosize=0x04). A 32-bit write of V
 * powers the machine off with guest status V (QEMU's process exits with (V << 1) | 1). */
#define LKMEMU_PORT_DEBUG_EXIT 0xf4
#define LKMEMU_EXIT_POWEROFF 0x00 /* clean power-off */
#define LKMEMU_EXIT_PANIC 0x7f    /* kernel panic: the emulator reports a crash */

/* 8259A PIC pair and 8254 PIT: IRQ0 is the periodic timer. */
#define LKMEMU_PORT_PIC1_CMD 0x20
#define LKMEMU_PORT_PIC1_DATA 0x21
#define LKMEMU_PORT_PIC2_CMD 0xa0
#define LKMEMU_PORT_PIC2_DATA 0xa1
#define LKMEMU_PORT_PIT_CH0 0x40
#define LKMEMU_PORT_PIT_CMD 0x43
#define LKMEMU_PIT_HZ 1193182
#define LKMEMU_IRQ_TIMER 0

/* The harness: how the host's commands (insmod, rmmod, lsmod, dmesg ...) reach the guest's init
 * process. See harness.h for the register layout and the message format. */
#define LKMEMU_PORT_HARNESS 0x5000
