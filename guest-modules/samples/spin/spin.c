// spin: init busy-waits in the kernel without ever returning to user space or idling, as a
// driver polling a device that never answers would.
//
//   insmod spin.ko            spins for ever: the soft-lockup watchdog reports it after 20 s of
//                             guest time ("watchdog: BUG: soft lockup - CPU#0 stuck for 23s!
//                             [init:1]", RIP in spin_init), again every 20 s, and
//                             `lkmemu run`'s --command-timeout ends the session
//   insmod spin.ko seconds=25 spins 25 s of guest time, then init returns 0: the report, taint L,
//                             and the kernel goes on (rmmod spin works)
#include <linux/jiffies.h>
#include <linux/module.h>

static unsigned int seconds;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "how long to spin, in seconds (0: for ever)");

static int __init spin_init(void)
{
    unsigned long const start = jiffies;
    unsigned long const ticks = msecs_to_jiffies(seconds * 1000);

    pr_info("spin: spinning %s\n", seconds ? "for a while" : "for ever");
    while (!seconds || jiffies - start < ticks)
        ; // jiffies is volatile: each round reads it again
    pr_info("spin: done after %u s\n", seconds);
    return 0;
}

static void __exit spin_exit(void)
{
    pr_info("spin: unloaded\n");
}

module_init(spin_init);
module_exit(spin_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Busy-waits in init: for the soft-lockup watchdog and lkmemu's time limits");
