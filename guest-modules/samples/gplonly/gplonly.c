// gplonly: a module that is not GPL-compatible calling provider's GPL-only export. The kernel
// must refuse it (as Linux does: EPERM/ENOENT and a dmesg line naming the symbol), leaving
// nothing behind. modpost would stop the build; CMake marks this sample MODPOST_WARN so the .ko
// exists for the kernel to refuse.
#include <linux/module.h>

#include "../provider/provider.h"

static int __init gplonly_init(void)
{
    pr_info("gplonly: 6 * 7 = %d (this must never print)\n", provider_gpl_multiply(6, 7));
    return 0;
}

module_init(gplonly_init);

MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("Uses a GPL-only symbol without a GPL-compatible license");
