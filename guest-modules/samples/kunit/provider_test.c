// provider_test: KUnit tests of provider.ko's exports. It depends on provider (modpost records
// depends=provider), so `lkmemu test` loads provider.ko from the same folder first, as modprobe
// would.
#include <kunit/test.h>
#include <linux/module.h>

#include "../provider/provider.h"

struct sum {
    int a, b, expected;
};
static const struct sum sums[] = { { 2, 40, 42 }, { -5, 5, 0 }, { 0x7ffffff0, 0xf, 0x7fffffff } };

static void sum_desc(const struct sum* s, char* desc)
{
    snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d + %d", s->a, s->b);
}
KUNIT_ARRAY_PARAM(sum, sums, sum_desc);

static void provider_add_test(struct kunit* test)
{
    const struct sum* s = test->param_value;
    KUNIT_EXPECT_EQ(test, provider_add(s->a, s->b), s->expected);
}

static void provider_add_commutes_test(struct kunit* test)
{
    KUNIT_EXPECT_EQ(test, provider_add(3, 4), provider_add(4, 3));
}

static void provider_gpl_multiply_test(struct kunit* test)
{
    KUNIT_EXPECT_EQ(test, provider_gpl_multiply(6, 7), 42);
    KUNIT_EXPECT_EQ(test, provider_gpl_multiply(-3, 3), -9);
    KUNIT_EXPECT_EQ(test, provider_gpl_multiply(12345, 0), 0);
}

static struct kunit_case provider_cases[] = {
    KUNIT_CASE_PARAM(provider_add_test, sum_gen_params),
    KUNIT_CASE(provider_add_commutes_test),
    KUNIT_CASE(provider_gpl_multiply_test),
    {}
};

static struct kunit_suite provider_suite = {
    .name = "provider",
    .test_cases = provider_cases,
};
kunit_test_suite(provider_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of provider.ko's exports");
