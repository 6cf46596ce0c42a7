// hello: the smallest useful module. printk in init and exit, and a `who` parameter.
//
//   insmod hello.ko             dmesg: "Hello, world!"
//   insmod hello.ko who=lkmemu  dmesg: "Hello, lkmemu!"
//   rmmod hello                 dmesg: "Goodbye, lkmemu!"
#include <linux/module.h>

static char* who = "world";
module_param(who, charp, 0444);
MODULE_PARM_DESC(who, "whom to greet");

static int __init hello_init(void)
{
    pr_info("Hello, %s!\n", who);
    return 0;
}

static void __exit hello_exit(void)
{
    pr_info("Goodbye, %s!\n", who);
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmemu");
MODULE_DESCRIPTION("Greets someone on load and on unload");
