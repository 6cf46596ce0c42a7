// bad_call: init faults outside its own code, the way `target` says:
//   null      calls a NULL function pointer (#PF, instruction fetch at 0)
//   garbage   calls a non-canonical pointer, LIST_POISON1 (#GP)
//   dangling  calls into a kmalloc'd block it has freed (#PF, NX: the direct map is not code)
//   printk    hands printk "%s" the pointer 1: the fault is in the kernel's vsprintf
// The RIP of each oops is not in the module, yet the module call is on the stack: the oops is
// printed, the kernel is tainted D, insmod fails with EFAULT, the module is unwound and the
// kernel goes on. Without a known target init fails with EINVAL.
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static char* target = "none";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "null, garbage, dangling or printk");

typedef void (*bad_call_fn)(void);

/* volatile: the compiler must not see through the pointers and drop the calls. */
static bad_call_fn volatile bad_call_pointer;
static const char* volatile bad_call_string;

static int __init bad_call_init(void)
{
    if (!strcmp(target, "null")) {
        bad_call_pointer = NULL;
    } else if (!strcmp(target, "garbage")) {
        bad_call_pointer = (bad_call_fn)0xdead000000000100ull;
    } else if (!strcmp(target, "dangling")) {
        void* block = kmalloc(64, GFP_KERNEL);

        if (!block)
            return -ENOMEM;
        kfree(block);
        bad_call_pointer = (bad_call_fn)block;
    } else if (!strcmp(target, "printk")) {
        bad_call_string = (const char*)1;
        pr_info("bad_call: %s\n", bad_call_string);
        pr_err("bad_call: printk of the pointer 1 did not fault\n");
        return -EINVAL;
    } else {
        pr_err("bad_call: unknown target '%s'\n", target);
        return -EINVAL;
    }
    pr_info("bad_call: calling %p\n", (void*)bad_call_pointer);
    bad_call_pointer();
    pr_err("bad_call: the call returned\n");
    return -EINVAL;
}

module_init(bad_call_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Calls through NULL, garbage and dangling pointers; printk of a bad pointer");
