// assert_test: a failed KUNIT_ASSERT ends its case there (the case's exit still runs, its
// kunit allocations are freed) and the next case runs as usual (tests/kunit/).
#include <kunit/test.h>
#include <linux/module.h>

static int after_assert; /* set only if a failed assertion did not end its case */
static int exits;        /* the suite's exit ran after each case */

static void assert_exit(struct kunit* test)
{
    (void)test;
    exits++;
}

static void aborted_test(struct kunit* test)
{
    char* buffer = kunit_kzalloc(test, 8192, GFP_KERNEL); /* freed though the case is aborted */
    KUNIT_ASSERT_NOT_NULL(test, buffer);
    KUNIT_ASSERT_EQ_MSG(test, 6 * 7, 43, "the answer is %d", 42);
    after_assert = 1;
}

static void next_test(struct kunit* test)
{
    KUNIT_EXPECT_EQ(test, after_assert, 0);
    KUNIT_EXPECT_EQ(test, exits, 1);
}

static struct kunit_case assert_cases[] = {
    KUNIT_CASE(aborted_test),
    KUNIT_CASE(next_test),
    {}
};

static struct kunit_suite assert_suite = {
    .name = "assert",
    .exit = assert_exit,
    .test_cases = assert_cases,
};
kunit_test_suite(assert_suite);

MODULE_LICENSE("GPL");
