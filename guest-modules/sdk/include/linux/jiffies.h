// The kernel's tick counter (linux/jiffies.h). jiffies counts timer interrupts since boot; its
// rate (HZ) is the kernel's business, so modules convert with msecs_to_jiffies.
#pragma once

#include <linux/compiler.h>
#include <linux/types.h>

__LKM_BEGIN_DECLS
extern volatile unsigned long jiffies;
/* Milliseconds to ticks, rounded up. */
unsigned long __msecs_to_jiffies(unsigned int msecs);
__LKM_END_DECLS

static inline unsigned long msecs_to_jiffies(unsigned int msecs)
{
    return __msecs_to_jiffies(msecs);
}

/* Wrap-safe comparisons, as in Linux. */
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
