// An out-of-tree module exporting a function.
#include <linux/module.h>

int oot_provider_add(int a, int b)
{
    return a + b;
}
EXPORT_SYMBOL(oot_provider_add);

static int __init oot_provider_init(void)
{
    pr_info("oot_provider: hello from outside the tree\n");
    return 0;
}

static void __exit oot_provider_exit(void)
{
    pr_info("oot_provider: goodbye\n");
}

module_init(oot_provider_init);
module_exit(oot_provider_exit);
MODULE_LICENSE("GPL");
