// leftover: registers /dev/leftover_chrdev and arms a timer for half a second later, and its exit
// forgets both. At rmmod the kernel finds them before the module's memory goes:
//   module leftover left a timer pending: leftover_fire+0x0/0xSIZE [leftover] (cancelled)
//   module leftover left a character device registered: /dev/leftover_chrdev, major M (unregistered)
// and taints W. The timer never fires into freed memory, `cat /dev/leftover_chrdev` finds no
// device (ENOENT), and the kernel's memory is back to what it was before the load.
// Its init also arms a timer whose callback is __init code: when init's memory is freed, right
// after init returns, that one is cancelled the same way ("... leftover_init_fire+0x0/0x...").
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/timer.h>

static struct timer_list leftover_timer;
static struct timer_list leftover_early_timer;

static void leftover_fire(struct timer_list* timer)
{
    pr_info("leftover: timer fired\n");
}

/* Gone with init's memory before it is due. */
static void __init leftover_init_fire(struct timer_list* timer)
{
    pr_info("leftover: init timer fired\n");
}

static ssize_t leftover_read(struct file* file, char __user* buf, size_t count, loff_t* pos)
{
    return 0;
}

static const struct file_operations leftover_fops = {
    .owner = THIS_MODULE,
    .read = leftover_read,
};

static int __init leftover_init(void)
{
    int major = register_chrdev(0, "leftover_chrdev", &leftover_fops);

    if (major < 0)
        return major;
    timer_setup(&leftover_timer, leftover_fire, 0);
    mod_timer(&leftover_timer, jiffies + msecs_to_jiffies(500));
    timer_setup(&leftover_early_timer, leftover_init_fire, 0);
    mod_timer(&leftover_early_timer, jiffies + msecs_to_jiffies(200));
    pr_info("leftover: /dev/leftover_chrdev (major %d) and a timer in 500 ms\n", major);
    return 0;
}

static void __exit leftover_exit(void)
{
    /* Forgets unregister_chrdev and del_timer_sync. */
}

module_init(leftover_init);
module_exit(leftover_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Leaves a character device and a pending timer behind at rmmod");
