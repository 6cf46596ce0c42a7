// What tty_io.cpp (open, read, write, poll) and tty_ioctl.cpp (the ioctls and job control)
// share: the terminal itself.
#pragma once

#include "drivers/tty/n_tty.h"

#include <kernel/tty.h>
#include <kernel/wait.h>

struct file;

struct tty_struct {
    const char* name;
    const tty_driver_ops* driver;
    lkm_termios termios;
    lkm_winsize winsize;
    n_tty ldisc;
    int pgrp;    // the foreground process group; 0: none
    int session; // the session it is the controlling terminal of; 0: none
    bool output_stopped; // ^S (IXON) or TCXONC(TCOOFF): writes wait for ^Q / TCOON
    wait_queue_head read_wait;  // readers and pollers: input came, or the termios changed
    wait_queue_head write_wait; // writers: output was started again
};

// The terminal a file opened (its private_data).
tty_struct* file_tty(const file* f);
// Linux's __tty_check_change: for a process of tty's session not in its foreground group, send
// sig (SIGTTOU for writes and changes, SIGTTIN for reads) to its group and return -ERESTARTSYS;
// -EIO when sig is blocked or ignored (for SIGTTIN; SIGTTOU then lets it through) or the group
// is orphaned. 0: go on.
long tty_check_change(tty_struct* tty, int sig);
long tty_ioctl(file* f, unsigned cmd, u64 arg);
// Input and output flow: ^S / ^Q and TCXONC.
void tty_set_output_stopped(tty_struct* tty, bool stopped);
