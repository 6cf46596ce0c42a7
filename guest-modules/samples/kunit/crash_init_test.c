// crash_init_test: a test module whose init faults (a NULL dereference) before its suite can run:
// the load fails with EFAULT after the oops, and `lkmemu test` reports a failed suite named after
// the module, with what the kernel said, and goes on with the next module (tests/kunit/).
#include <kunit/test.h>
#include <linux/module.h>

static int* volatile nowhere;

static void never_run_test(struct kunit* test)
{
    KUNIT_FAIL(test, "the module's init crashed: this never runs");
}

static struct kunit_case crash_cases[] = {
    KUNIT_CASE(never_run_test),
    {}
};

static struct kunit_suite crash_suite = {
    .name = "crash_init",
    .test_cases = crash_cases,
};
kunit_test_suite(crash_suite);

static int __init crash_init(void)
{
    return *nowhere;
}
module_init(crash_init);

MODULE_LICENSE("GPL");
