// params: every parameter type the SDK has: int, uint, long, bool, charp and an array.
//
//   insmod params.ko count=3 verbose=y name=lkmemu offset=-5 level=7 values=1,2,3
// prints each value in init, e.g. "params: count=3 level=7 offset=-5 verbose=1 name=lkmemu" and
// "params: values (3): 1 2 3". As in Linux, a malformed value (count=abc, values=1,2,...,9)
// makes insmod fail with EINVAL, and an unknown parameter is ignored with a warning in dmesg.
#include <linux/module.h>

static int count = 1;
module_param(count, int, 0644);
MODULE_PARM_DESC(count, "an int");

static unsigned int level;
module_param(level, uint, 0444);
MODULE_PARM_DESC(level, "an unsigned int");

static long offset = -1;
module_param(offset, long, 0444);
MODULE_PARM_DESC(offset, "a long");

static bool verbose;
module_param(verbose, bool, 0444);
MODULE_PARM_DESC(verbose, "a bool: y/n/1/0, or just 'verbose' for true");

static char* name = "nobody";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "a string");

static int values[8];
static unsigned int nr_values;
module_param_array(values, int, &nr_values, 0444);
MODULE_PARM_DESC(values, "up to 8 comma-separated ints");

static int __init params_init(void)
{
    unsigned int i;

    pr_info("params: count=%d level=%u offset=%ld verbose=%d name=%s\n", count, level, offset,
            verbose, name);
    pr_info("params: values (%u):", nr_values);
    for (i = 0; i < nr_values; i++)
        pr_cont(" %d", values[i]);
    pr_cont("\n");
    return 0;
}

static void __exit params_exit(void)
{
    pr_info("params: unloading\n");
}

module_init(params_init);
module_exit(params_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Shows int, uint, long, bool, charp and array parameters");
