// wx_text: writes to its own code. The kernel maps .text read-only and executable, so the store
// faults: #PF with error code 0x3 (present | write, supervisor), CR2 = the address of
// wx_text_victim. The oops names "wx_text_poke+0xOFF/0xSIZE [wx_text]"; insmod fails, the
// module is cleaned up, and the kernel keeps serving commands.
#include <linux/module.h>

noinline int wx_text_victim(void)
{
    return 42;
}

/* Not inlined and not __init, so the oops names this function. */
noinline void wx_text_poke(volatile unsigned char* target)
{
    *target = 0xc3; /* ret */
}

static int __init wx_text_init(void)
{
    pr_info("wx_text: writing to .text at %p\n", (void*)wx_text_victim);
    wx_text_poke((volatile unsigned char*)(void*)wx_text_victim);
    pr_err("wx_text: the write to .text did not fault (victim returns %d)\n", wx_text_victim());
    return -EINVAL;
}

module_init(wx_text_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Writes to its own code (must fault)");
