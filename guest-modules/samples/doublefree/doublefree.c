// doublefree: its init frees the same object twice. The second kfree is refused with KASAN's
// report, "BUG: KASAN: double-free in doublefree_init+0xOFF/0xSIZE [doublefree]", the kernel is
// tainted B, and -- being in init -- the init is stopped with a BUG: insmod fails with EFAULT and
// the module is unwound. The allocator was not corrupted: the kernel's memory is back to what it
// was, and later loads and unloads of other modules are fine.
#include <linux/module.h>
#include <linux/slab.h>

static int __init doublefree_init(void)
{
    void* object = kmalloc(32, GFP_KERNEL);

    if (!object)
        return -ENOMEM;
    kfree(object);
    kfree(object);
    pr_err("doublefree: init went on after a double free\n");
    return 0;
}

static void __exit doublefree_exit(void)
{
}

module_init(doublefree_init);
module_exit(doublefree_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Frees an object twice (the second kfree is refused, reported, init stopped)");
