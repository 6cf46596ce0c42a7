// stack_frame: init calls a function with a 64 KiB local array, four times the 16 KiB kernel
// stack. Modules (and the kernel) are built with stack clash protection, so the frame is probed
// a page at a time on its way down: the first probe below the stack lands in the guard, and the
// kernel prints the "kernel stack overflow (double-fault)" oops naming stack_frame_huge
// [stack_frame] instead of the frame silently overlaying memory below the stack. insmod fails
// with EFAULT, the module is unwound, and the kernel goes on.
#include <linux/module.h>
#include <linux/string.h>

noinline int stack_frame_huge(int seed)
{
    unsigned char buffer[65536];

    /* A real call (modules build with -fno-builtin), so the whole array must exist. */
    memset(buffer, seed, sizeof(buffer));
    return buffer[seed & 0xffff];
}

static int __init stack_frame_init(void)
{
    pr_info("stack_frame: a 64 KiB frame returned %d\n", stack_frame_huge(1));
    return 0;
}

static void __exit stack_frame_exit(void)
{
}

module_init(stack_frame_init);
module_exit(stack_frame_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Uses a stack frame larger than the kernel stack (overflow oops)");
