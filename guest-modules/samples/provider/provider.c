// provider: exports one function to every module and one to GPL-compatible modules only.
// consumer.ko uses provider_add (so `lsmod` shows "provider ... 1 consumer" and `rmmod provider`
// is refused while consumer is loaded); gplonly.ko, not GPL, tries provider_gpl_multiply.
#include <linux/module.h>

#include "provider.h"

int provider_add(int a, int b)
{
    return a + b;
}
EXPORT_SYMBOL(provider_add);

int provider_gpl_multiply(int a, int b)
{
    return a * b;
}
EXPORT_SYMBOL_GPL(provider_gpl_multiply);

static int __init provider_init(void)
{
    pr_info("provider: exporting provider_add and provider_gpl_multiply\n");
    return 0;
}

static void __exit provider_exit(void)
{
    pr_info("provider: unloading\n");
}

module_init(provider_init);
module_exit(provider_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Exports a function and a GPL-only function");
