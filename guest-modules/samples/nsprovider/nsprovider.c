// nsprovider: exports nsprovider_triple in the symbol namespace LKMEMU_SAMPLES
// (EXPORT_SYMBOL_NS). Only a module that says MODULE_IMPORT_NS(LKMEMU_SAMPLES) may use it, as
// nsconsumer.ko does; without the import modpost refuses the user at build time and the kernel
// at load time ("module uses symbol (nsprovider_triple) from namespace LKMEMU_SAMPLES, but does
// not import it.", EINVAL). See docs/versions.md.
#include <linux/module.h>

int nsprovider_triple(int x);

int nsprovider_triple(int x)
{
    return 3 * x;
}
EXPORT_SYMBOL_NS(nsprovider_triple, LKMEMU_SAMPLES);

static int __init nsprovider_init(void)
{
    pr_info("nsprovider: exporting nsprovider_triple in namespace LKMEMU_SAMPLES\n");
    return 0;
}

static void __exit nsprovider_exit(void)
{
    pr_info("nsprovider: unloading\n");
}

module_init(nsprovider_init);
module_exit(nsprovider_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Exports a symbol in the namespace LKMEMU_SAMPLES");
