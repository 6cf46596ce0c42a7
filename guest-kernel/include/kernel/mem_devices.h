// The memory character devices (drivers/char/mem.cpp): /dev/null and /dev/zero.
#pragma once

struct file_operations;

// Registers major 1 ("mem") and the /dev/null and /dev/zero nodes, as Linux's chr_dev_init; its
// minor 11 is /dev/kmsg (devkmsg_fops, kernel/printk/devkmsg.cpp, whose node devkmsg_init makes).
void chr_dev_init();
extern const file_operations devkmsg_fops;
