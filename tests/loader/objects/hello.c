/* A typical module: init/exit, exports (plain and GPL), a parameter, every data class, calls into
 * the kernel, a weak import and an absolute symbol. */
#include "test_module.h"

extern int printk(const char* fmt, ...);
extern void kernel_gpl_only(void);
extern void optional_hook(void) __attribute__((weak));
extern const char hello_abs[]; /* SHN_ABS, defined below */
__asm__(".globl hello_abs\n.set hello_abs, 0x1234\n");

static int counter;                        /* .bss */
int hello_value = 42;                      /* .data */
const char hello_greeting[] = "hello";     /* .rodata */
int hello_sealed __ro_after_init = 7;      /* .data..ro_after_init */
static int verbose = 1;
module_param_int(verbose);
MODULE_PARM_DESC(verbose, "print more");

int hello_add(int x) { return x + counter + hello_sealed; }
EXPORT_SYMBOL(hello_add);

unsigned long hello_abs_value(void) { return (unsigned long)hello_abs; }
EXPORT_SYMBOL_GPL(hello_abs_value);

static int __init hello_init(void)
{
    printk("%s %d %d\n", hello_greeting, hello_value, verbose);
    if (optional_hook)
        optional_hook();
    kernel_gpl_only();
    counter++;
    return 0;
}

static void __exit hello_exit(void) { printk("bye %d\n", counter); }

THIS_MODULE("hello", hello_init, hello_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmemu tests");
MODULE_DESCRIPTION("loader test module");
MODULE_ALIAS("hello-alias");
MODULE_INFO(vermagic, LKM_VERMAGIC); /* as modpost writes it: `check` refuses any other */
MODULE_INFO(name, "hello");
MODULE_INFO(depends, "");
