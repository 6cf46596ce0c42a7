// permanent: an init and no exit, so the kernel can never unload it (lsmod shows "[permanent],"
// and rmmod gets EBUSY unless forced); and a __ro_after_init variable that init writes and that
// the kernel makes read-only as soon as init has returned.
#include <linux/cache.h>
#include <linux/module.h>

int permanent_boot_cookie __ro_after_init; /* not static: the compiler may not drop it */

static int __init permanent_init(void)
{
    permanent_boot_cookie = 0x5eed;
    pr_info("permanent: cookie %#x set; this module has no exit\n", permanent_boot_cookie);
    return 0;
}

module_init(permanent_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Init without exit, and data that is read-only after init");
