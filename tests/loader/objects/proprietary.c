/* A non-GPL module that imports a GPL-only kernel symbol: refused at symbol resolution. */
#include "test_module.h"

extern void kernel_gpl_only(void);

int proprietary_init(void)
{
    kernel_gpl_only();
    return 0;
}
void proprietary_exit(void) {}
THIS_MODULE("proprietary", proprietary_init, proprietary_exit);
MODULE_LICENSE("Proprietary");
MODULE_INFO(vermagic, LKM_VERMAGIC);
