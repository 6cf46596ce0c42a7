// Terminals (drivers/tty/, Linux's drivers/tty/tty_io.c, n_tty.c, tty_ioctl.c, tty_jobctrl.c):
// the serial console as a tty_struct with the n_tty line discipline, its character devices
// /dev/ttyS0 (4,64), /dev/console (5,1, the console's terminal) and /dev/tty (5,0, the caller's
// controlling terminal), and job control: a session's controlling terminal, its foreground
// process group, SIGTTIN/SIGTTOU for background readers and writers, ^C/^\/^Z to the
// foreground group.
#pragma once

#include <lkmemu/termios.h>
#include <kernel/types.h>

struct tty_struct;
struct task_struct;

// The driver below a terminal: writes bytes to the line (the UART), synchronously.
struct tty_driver_ops {
    void (*write)(const char* bytes, size_t length);
};

// The console's terminal over its driver: registers the character devices and makes their
// nodes in /dev (after vfs_init). Once; returns the terminal, nullptr if out of memory.
tty_struct* tty_register_console(const char* name, const tty_driver_ops* ops);
tty_struct* console_tty(); // nullptr before tty_register_console (or with console=none)
// Bytes the line received (from the UART's interrupt): through the line discipline, waking
// readers and signalling the foreground group as it says.
void tty_receive(tty_struct* tty, const u8* bytes, size_t count);
// The window size TIOCGWINSZ reports until a TIOCSWINSZ (24x80 unless set at boot).
void tty_set_initial_winsize(tty_struct* tty, u16 rows, u16 cols);
// Make tty the controlling terminal of task's session with task's group in the foreground
// (Linux's __proc_set_tty, as TIOCSCTTY does). kernel_init does this for an init= program on
// /dev/console: see docs/kernel.md, "Terminals".
void tty_set_controlling(tty_struct* tty, task_struct* task);
