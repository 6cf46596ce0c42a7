// holder: takes a reference on itself from a kernel callback, so rmmod must refuse until it is
// dropped.
//
// init arms a timer; its callback (kernel context, timer interrupt) calls
// try_module_get(THIS_MODULE), so lsmod shows "holder ... 1", and arms a second timer that drops
// the reference hold_ms milliseconds later (0: hold it until a forced rmmod). While it is held,
// `rmmod holder` fails with EWOULDBLOCK ("Resource temporarily unavailable"); once lsmod shows 0
// again, rmmod succeeds. exit cancels both timers, so a callback never runs in a freed module.
//
// dmesg: "holder: took a reference on itself", "holder: dropped its reference".
#include <linux/module.h>
#include <linux/timer.h>

static unsigned int hold_ms = 2000;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "how long to hold the reference, in milliseconds (0: forever)");

static struct timer_list take_timer;
static struct timer_list release_timer;

static void holder_release(struct timer_list* timer)
{
    pr_info("holder: dropped its reference\n");
    module_put(THIS_MODULE);
}

static void holder_take(struct timer_list* timer)
{
    if (!try_module_get(THIS_MODULE)) {
        pr_info("holder: being removed, not taking a reference\n");
        return;
    }
    pr_info("holder: took a reference on itself\n");
    if (hold_ms)
        mod_timer(&release_timer, jiffies + msecs_to_jiffies(hold_ms));
}

static int __init holder_init(void)
{
    timer_setup(&take_timer, holder_take, 0);
    timer_setup(&release_timer, holder_release, 0);
    mod_timer(&take_timer, jiffies + 1);
    pr_info("holder: will take a reference at the next tick, for %u ms\n", hold_ms);
    return 0;
}

static void __exit holder_exit(void)
{
    /* Only reachable with the reference dropped (or rmmod forced): stop both callbacks. */
    del_timer_sync(&take_timer);
    if (del_timer_sync(&release_timer))
        pr_warn("holder: removed while holding a reference (forced rmmod)\n");
    pr_info("holder: unloading\n");
}

module_init(holder_init);
module_exit(holder_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Holds a reference on itself from a timer callback");
