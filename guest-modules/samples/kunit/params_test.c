// params_test: KUnit tests of the kernel's module parameter parsing (kernel/module/params.cpp),
// seen from the module: its parameters as insmod's arguments set them before init.
//
//   lkmemu test build/modules/params_test.ko count=-3 flag=y name=lkmemu values=4,5,6
// passes; other values fail the cases that check them. Without arguments, the defaults case
// checks what module_param declared.
#include <kunit/test.h>
#include <linux/module.h>

static int count = 1;
module_param(count, int, 0444);
static bool flag;
module_param(flag, bool, 0444);
static char* name = "default";
module_param(name, charp, 0444);
static int values[4];
static unsigned int nr_values;
module_param_array(values, int, &nr_values, 0444);

/* Given on the command line: the values the test's command line sets (params_test.ko count=-3 ...). */
static void given_test(struct kunit* test)
{
    if (nr_values == 0)
        kunit_skip(test, "no parameters given");
    KUNIT_EXPECT_EQ(test, count, -3);
    KUNIT_EXPECT_TRUE(test, flag);
    KUNIT_EXPECT_STREQ(test, name, "lkmemu");
    KUNIT_ASSERT_EQ(test, nr_values, 3u);
    KUNIT_EXPECT_EQ(test, values[0], 4);
    KUNIT_EXPECT_EQ(test, values[1], 5);
    KUNIT_EXPECT_EQ(test, values[2], 6);
}

static void defaults_test(struct kunit* test)
{
    if (nr_values != 0)
        kunit_skip(test, "parameters given");
    KUNIT_EXPECT_EQ(test, count, 1);
    KUNIT_EXPECT_FALSE(test, flag);
    KUNIT_EXPECT_STREQ(test, name, "default");
}

static struct kunit_case params_cases[] = {
    KUNIT_CASE(given_test),
    KUNIT_CASE(defaults_test),
    {}
};

static struct kunit_suite params_suite = {
    .name = "params",
    .test_cases = params_cases,
};
kunit_test_suite(params_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of module parameter parsing");
