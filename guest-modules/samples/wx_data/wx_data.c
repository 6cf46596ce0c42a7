// wx_data: jumps into its own data. The kernel maps .data non-executable, so the instruction
// fetch faults: #PF with error code 0x11 (present | instruction fetch, supervisor), RIP = CR2 =
// the address of wx_data_payload, which the oops names "wx_data_payload+0x0/0x3 [wx_data]"; the
// return address at RSP names the caller, "wx_data_jump+0x6/0xb [wx_data]" (no frame was pushed
// in the payload, so a frame-pointer walk from RBP starts one caller further up). insmod fails,
// the module is cleaned up, and the kernel keeps serving commands.
#include <linux/module.h>

/* Valid code, had it been executable: xor %eax,%eax; ret. */
unsigned char wx_data_payload[] = {0x31, 0xc0, 0xc3};

/* Not inlined and not __init, so the trace names this function. */
noinline int wx_data_jump(void* target)
{
    int (*function)(void) = (int (*)(void))target;
    return function() + 1; /* not a tail call: the return address stays in wx_data_jump */
}

static int __init wx_data_init(void)
{
    pr_info("wx_data: calling into .data at %p\n", (void*)wx_data_payload);
    pr_err("wx_data: the call into .data did not fault (returned %d)\n",
           wx_data_jump(wx_data_payload));
    return -EINVAL;
}

module_init(wx_data_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Executes its own data (must fault)");
