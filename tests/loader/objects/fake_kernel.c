/* A stand-in kernel.elf for `check --kernel`: two exports in __ksymtab / __ksymtab_gpl. */
#include "test_module.h"

int printk(const char* fmt, ...);
int printk(const char* fmt, ...) { return 0; }
EXPORT_SYMBOL(printk);
void kernel_gpl_only(void);
void kernel_gpl_only(void) {}
EXPORT_SYMBOL_GPL(kernel_gpl_only);
