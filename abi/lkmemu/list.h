/* Linux's list links (include/linux/types.h), in structures modules and the kernel share: the
 * kernel links a module's struct timer_list into its pending list through an hlist_node. */
#pragma once

struct list_head {
    struct list_head *next, *prev;
};

struct hlist_node {
    struct hlist_node *next, **pprev; /* pprev: the link pointing here, NULL while unlinked */
};
