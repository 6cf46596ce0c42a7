// leaky: allocates ten 100-byte objects in its init and one of 8000 bytes through a helper, and
// never frees them. At rmmod the kernel reports them as kmemleak does:
//   kmemleak: module leaky left 11 objects (9000 bytes) allocated
//   unreferenced object 0xffff888... (size 8000):
//     backtrace:
//       [<ffffffffa00...>] leaky_alloc_buffer+0xOFF/0xSIZE [leaky]
//   unreferenced object 0xffff888... (size 100):
//     backtrace:
//       [<ffffffffa00...>] (init code of leaky, freed)
// (the newest eight objects, then "kmemleak: 3 more not shown"). Call sites in init code are not
// symbolised: init's memory and symbols are gone by rmmod, as in Linux. The memory stays
// allocated, as kmemleak leaves it.
#include <linux/module.h>
#include <linux/slab.h>

#define LEAKY_SMALL 10

static void* leaky_objects[LEAKY_SMALL];
static void* leaky_buffer;

/* Not __init, so its call site can still be named at rmmod (and not a tail call to kmalloc). */
noinline void leaky_alloc_buffer(size_t size)
{
    leaky_buffer = kmalloc(size, GFP_KERNEL);
}

static int __init leaky_init(void)
{
    int i;

    for (i = 0; i < LEAKY_SMALL; i++)
        leaky_objects[i] = kmalloc(100, GFP_KERNEL);
    leaky_alloc_buffer(8000);
    pr_info("leaky: allocated %d objects, freeing none\n", LEAKY_SMALL + 1);
    return 0;
}

static void __exit leaky_exit(void)
{
    /* Forgets to kfree leaky_objects and leaky_buffer. */
}

module_init(leaky_init);
module_exit(leaky_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Leaves kmalloc memory allocated at rmmod (reported as kmemleak does)");
