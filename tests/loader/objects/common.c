/* Built with -fcommon: an SHN_COMMON symbol, which the loader refuses. */
#include "test_module.h"

int common_counter;

int common_init(void) { return common_counter; }
void common_exit(void) {}
THIS_MODULE("common", common_init, common_exit);
MODULE_LICENSE("GPL");
