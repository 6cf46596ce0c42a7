// initfail: init allocates, then fails with -ENODEV (as a driver finding no device would). insmod
// must report ENODEV ("No such device"), and afterwards nothing of the module may remain: not in
// lsmod, not its memory (init frees what it allocated before failing, as a module must).
#include <linux/module.h>
#include <linux/slab.h>

static int __init initfail_init(void)
{
    void* probe_buffer = kzalloc(256, GFP_KERNEL);

    if (!probe_buffer)
        return -ENOMEM;
    pr_info("initfail: probing for a device that is not there\n");
    kfree(probe_buffer);
    pr_err("initfail: no device found, failing init with -ENODEV\n");
    return -ENODEV;
}

static void __exit initfail_exit(void)
{
    pr_err("initfail: exit must never run after a failed init\n");
}

module_init(initfail_init);
module_exit(initfail_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Fails its init with -ENODEV");
