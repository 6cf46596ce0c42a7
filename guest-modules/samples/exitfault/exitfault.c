// exitfault: loads fine, but its exit writes to its own read-only data. rmmod gets an error, the
// oops names "exitfault_poke+0xOFF/0xSIZE [exitfault]", and — as in Linux, where a module whose
// exit oopsed can never be unloaded — the module stays listed as Unloading: a second rmmod is
// refused with EBUSY because the module is not LIVE. The kernel keeps serving commands.
#include <linux/module.h>

const char exitfault_message[] = "read-only data: exit writing here must fault";

/* Not inlined and not __exit, so the oops names this function. */
noinline void exitfault_poke(volatile char* target)
{
    *target = 'X';
}

static int __init exitfault_init(void)
{
    pr_info("exitfault: loaded; my exit will fault\n");
    return 0;
}

static void __exit exitfault_exit(void)
{
    exitfault_poke((volatile char*)exitfault_message);
    pr_err("exitfault: the write to .rodata did not fault\n");
}

module_init(exitfault_init);
module_exit(exitfault_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Faults in its exit (the module stays Unloading)");
