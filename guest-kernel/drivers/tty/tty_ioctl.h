// The terminal's ioctls, in two parts as Linux's: the job-control ones (tty_jobctrl.cpp) and
// the rest (tty_ioctl.cpp, which hands on what it does not know).
#pragma once

#include <kernel/types.h>

struct file;
struct tty_struct;

// Linux's kernel-internal "not mine" (include/linux/errno.h): never seen by user space.
constexpr long ENOIOCTLCMD = 515;

// TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID; -ENOIOCTLCMD for another command.
long tty_jobctrl_ioctl(file* f, tty_struct* tty, unsigned cmd, u64 arg);
