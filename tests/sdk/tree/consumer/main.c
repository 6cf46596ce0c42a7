// An out-of-tree module of two files using another out-of-tree module's export.
#include <linux/module.h>
int oot_consumer_sum(int a, int b);

static int __init oot_consumer_init(void)
{
    pr_info("oot_consumer: 40 + 2 = %d\n", oot_consumer_sum(40, 2));
    return 0;
}

static void __exit oot_consumer_exit(void) {}

module_init(oot_consumer_init);
module_exit(oot_consumer_exit);
MODULE_LICENSE("GPL");
