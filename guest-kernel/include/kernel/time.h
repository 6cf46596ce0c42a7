// Timekeeping: the 8254 PIT interrupts HZ times a second and each tick advances jiffies.
// local_clock() is jiffies in nanoseconds, the printk timestamp (resolution 1/HZ s): the same
// arithmetic on every machine, with no TSC calibration that could differ between lkmemu and QEMU.
#pragma once

#include <kernel/types.h>

constexpr u64 HZ = 250;
extern volatile u64 jiffies;

u64 local_clock(); // nanoseconds since the timer started
// A POSIX clock's reading in nanoseconds (kernel/time/clock_syscalls.cpp); false for a clock this
// kernel does not keep (the CPU-time clocks).
bool posix_clock_now(int clock, u64* ns);
void time_init();  // program the PIT, route IRQ 0, wait for the first tick
void timer_interrupt();
