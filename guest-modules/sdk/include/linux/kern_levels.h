// printk log levels (linux/kern_levels.h): KERN_EMERG ... KERN_DEBUG, KERN_DEFAULT, KERN_CONT.
// The kernel's own, from the contract (abi/lkmemu/kern_levels.h).
#pragma once

#include <lkmemu/kern_levels.h>
