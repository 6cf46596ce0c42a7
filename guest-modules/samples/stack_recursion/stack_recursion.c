// stack_recursion: init recurses `depth` frames deep (default 120), each frame holding 256 bytes,
// ~33 KiB in all: twice the 16 KiB kernel stack. The kernel stack has an unmapped guard below
// it, so the call that runs off its bottom faults there, the CPU cannot push the #PF frame and
// raises #DF on its own IST stack, and the kernel prints Linux's "BUG: stack guard page was hit
// at ADDR (stack is LOW..HIGH)" and "kernel stack overflow (double-fault)" oops, whose backtrace
// names stack_recursion_descend [stack_recursion]. insmod fails with EFAULT, the module is
// unwound, and the kernel goes on. depth=10 (2.5 KiB) loads normally.
#include <linux/module.h>

static int depth = 120;
module_param(depth, int, 0444);
MODULE_PARM_DESC(depth, "how many frames deep init recurses");

/* Not inlined, and the sum after the call keeps it from becoming a loop. */
noinline int stack_recursion_descend(int level)
{
    volatile unsigned char frame[256];
    int i;

    for (i = 0; i < (int)sizeof(frame); i++) /* every byte: the whole array stays in the frame */
        frame[i] = (unsigned char)(level + i);
    if (level <= 1)
        return frame[0];
    return stack_recursion_descend(level - 1) + frame[level & 255];
}

static int __init stack_recursion_init(void)
{
    int sum = stack_recursion_descend(depth);

    pr_info("stack_recursion: %d frames deep and back (sum %d)\n", depth, sum);
    return 0;
}

static void __exit stack_recursion_exit(void)
{
}

module_init(stack_recursion_init);
module_exit(stack_recursion_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Recurses deeper than the kernel stack (overflow oops)");
