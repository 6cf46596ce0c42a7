// badfree: its init hands kfree a pointer kmalloc never returned, chosen by kind=:
//   inside  the middle of an object it allocated (that object then leaks: init never gets to
//           free it, and the unwind reports it as kmemleak does)
//   static  its own static data (module memory, not the kernel heap)
//   wild    an address in the direct map where no object starts
// kfree refuses it with KASAN's report, "BUG: KASAN: invalid-free in badfree_init+0xOFF/0xSIZE
// [badfree]", taints the kernel B, and -- being in init -- stops the init with a BUG: insmod
// fails with EFAULT and the module is unwound. Nothing was freed, so the allocator stays sound.
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static char* kind = "inside";
module_param(kind, charp, 0444);

static char badfree_static[64];

static int __init badfree_init(void)
{
    if (strcmp(kind, "inside") == 0) {
        char* object = kmalloc(64, GFP_KERNEL);

        if (!object)
            return -ENOMEM;
        kfree(object + 16);
        kfree(object); /* not reached: the bad free above stopped init */
    } else if (strcmp(kind, "static") == 0) {
        kfree(badfree_static);
    } else if (strcmp(kind, "wild") == 0) {
        kfree((void*)0xffff888000345678ull);
    } else {
        return -EINVAL;
    }
    pr_err("badfree: init went on after a bad free\n");
    return 0;
}

static void __exit badfree_exit(void)
{
}

module_init(badfree_init);
module_exit(badfree_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kfree of a pointer kmalloc did not return (refused, reported, init stopped)");
