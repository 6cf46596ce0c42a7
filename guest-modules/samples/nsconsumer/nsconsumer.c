// nsconsumer: imports the namespace LKMEMU_SAMPLES and calls nsprovider_triple from
// nsprovider.ko; init prints "nsconsumer: 3 * 14 = 42".
#include <linux/module.h>

int nsprovider_triple(int x);

static int __init nsconsumer_init(void)
{
    pr_info("nsconsumer: 3 * 14 = %d\n", nsprovider_triple(14));
    return 0;
}

static void __exit nsconsumer_exit(void)
{
    pr_info("nsconsumer: unloading\n");
}

module_init(nsconsumer_init);
module_exit(nsconsumer_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Uses a namespaced export of nsprovider.ko");
MODULE_IMPORT_NS(LKMEMU_SAMPLES);
