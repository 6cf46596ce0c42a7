// consumer: calls provider_add, exported by provider.ko.
//
// Without provider loaded, insmod fails with ENOENT and dmesg names the missing symbol
// ("consumer: Unknown symbol provider_add"); with it, init prints "consumer: 2 + 3 = 5" and
// provider's reference count is 1 until consumer is removed. modpost records depends=provider.
#include <linux/module.h>

#include "../provider/provider.h"

static int __init consumer_init(void)
{
    pr_info("consumer: 2 + 3 = %d\n", provider_add(2, 3));
    return 0;
}

static void __exit consumer_exit(void)
{
    pr_info("consumer: unloading\n");
}

module_init(consumer_init);
module_exit(consumer_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Uses a symbol exported by provider.ko");
