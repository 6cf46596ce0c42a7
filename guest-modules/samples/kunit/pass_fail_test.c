// pass_fail_test: one case that passes and one that fails, for `lkmemu test`'s tests
// (tests/kunit/): the failure reads "EXPECTATION FAILED at ...:LINE", "Expected 1 + 1 == 3, but",
// "1 + 1 == 2 (0x2)", and `lkmemu test` exits with status 1.
#include <kunit/test.h>
#include <linux/module.h>

static void passing_test(struct kunit* test)
{
    KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}

static void failing_test(struct kunit* test)
{
    KUNIT_EXPECT_EQ(test, 1 + 1, 3);
    KUNIT_EXPECT_STREQ(test, "lkmemu", "linux");
}

static struct kunit_case pass_fail_cases[] = {
    KUNIT_CASE(passing_test),
    KUNIT_CASE(failing_test),
    {}
};

static struct kunit_suite pass_fail_suite = {
    .name = "pass_fail",
    .test_cases = pass_fail_cases,
};
kunit_test_suite(pass_fail_suite);

MODULE_LICENSE("GPL");
