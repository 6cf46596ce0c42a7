// unresolved: calls a function nobody exports. modpost warns at build time
//   WARNING: modpost: "lkmemu_no_such_symbol" [unresolved.ko] undefined!
// and the kernel refuses the module: insmod fails with ENOENT, dmesg says
// "unresolved: Unknown symbol lkmemu_no_such_symbol".
#include <linux/module.h>

extern int lkmemu_no_such_symbol(int value);

static int __init unresolved_init(void)
{
    pr_info("unresolved: %d (this must never print)\n", lkmemu_no_such_symbol(1));
    return 0;
}

module_init(unresolved_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Calls a symbol that nobody exports");
