// wx_rodata: writes to its own read-only data. The kernel maps .rodata read-only and NX, so the
// store faults: #PF with error code 0x3 (present | write, supervisor), CR2 = the address of
// wx_rodata_message. The oops names "wx_rodata_poke+0xOFF/0xSIZE [wx_rodata]"; insmod fails,
// the module is cleaned up, and the kernel keeps serving commands.
#include <linux/module.h>

const char wx_rodata_message[] = "read-only data: writing here must fault";

/* Not inlined and not __init, so the oops names this function. */
noinline void wx_rodata_poke(volatile char* target)
{
    *target = 'X';
}

static int __init wx_rodata_init(void)
{
    pr_info("wx_rodata: writing to .rodata at %p\n", wx_rodata_message);
    wx_rodata_poke((volatile char*)wx_rodata_message);
    pr_err("wx_rodata: the write to .rodata did not fault\n");
    return -EINVAL;
}

module_init(wx_rodata_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Writes to its own read-only data (must fault)");
