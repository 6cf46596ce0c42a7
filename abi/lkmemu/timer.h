/* struct timer_list, as Linux's (include/linux/timer_types.h): the timer lives in the module (or
 * the kernel), which fills `expires` and `function`; the kernel (kernel/timer.cpp) links it into
 * its pending list through `entry` and calls function(timer) from the timer interrupt once
 * jiffies reaches expires. Modules see it through the SDK's linux/timer.h. */
#pragma once

#include <stdint.h>

#include "list.h"

struct timer_list {
    struct hlist_node entry; /* the kernel's: entry.pprev is NULL while the timer is not pending */
    unsigned long expires;   /* in jiffies */
    void (*function)(struct timer_list*);
    uint32_t flags; /* none defined yet: 0 */
};
