// Kernel timers (linux/timer.h): a callback the kernel runs from its timer interrupt once jiffies
// reaches `expires`. The callback may not sleep (use GFP_ATOMIC) and runs once per mod_timer.
//
//   static struct timer_list t;
//   static void fire(struct timer_list* timer) { ... }
//   timer_setup(&t, fire, 0);
//   mod_timer(&t, jiffies + msecs_to_jiffies(100));
//   ...
//   del_timer_sync(&t);   // before the module (and t) goes away
//
// struct timer_list lives in the module; the kernel links it into its timer list through
// `entry`. It is the contract's (abi/lkmemu/timer.h): entry, expires, function, flags.
#pragma once

#include <lkmemu/timer.h>
#include <linux/compiler.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/types.h>

static inline void timer_setup(struct timer_list* timer, void (*callback)(struct timer_list*),
                               unsigned int flags)
{
    timer->entry.next = NULL;
    timer->entry.pprev = NULL;
    timer->expires = 0;
    timer->function = callback;
    timer->flags = flags;
}

/* The structure containing a timer, from within its callback. */
#define from_timer(var, callback_timer, timer_fieldname)                                           \
    container_of(callback_timer, __typeof__(*var), timer_fieldname)

static inline bool timer_pending(const struct timer_list* timer)
{
    return READ_ONCE(timer->entry.pprev) != NULL;
}

__LKM_BEGIN_DECLS
/* (Re)arms the timer for `expires`. Returns 1 if it was pending, 0 if not. */
int mod_timer(struct timer_list* timer, unsigned long expires);
/* Disarms the timer and waits until its callback, if running, has returned. Returns 1 if it was
 * pending. Call it before freeing the timer, and in module_exit for every timer. */
int del_timer_sync(struct timer_list* timer);
__LKM_END_DECLS
