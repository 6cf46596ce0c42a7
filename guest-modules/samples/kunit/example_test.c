// example_test: KUnit's API in one suite that passes (one case is skipped on purpose).
//
//   lkmemu test build/modules/example_test.ko
// prints KTAP: "# Subtest: example", one "ok N CASE" per case, the parameterised case's runs
// nested under it, "ok 5 skip_test # SKIP this case is skipped on purpose", and "ok 1 example".
#include <kunit/test.h>
#include <linux/module.h>

struct example_state {
    int calls;
};

static int example_init(struct kunit* test)
{
    struct example_state* state = kunit_kzalloc(test, sizeof(*state), GFP_KERNEL);
    if (!state)
        return -ENOMEM;
    test->priv = state; /* freed with the case's other kunit allocations */
    return 0;
}

static void integers_test(struct kunit* test)
{
    KUNIT_EXPECT_EQ(test, 1 + 1, 2);
    KUNIT_EXPECT_NE(test, 1, 2);
    KUNIT_EXPECT_LT(test, -1, 0);
    KUNIT_EXPECT_LE(test, 3, 3);
    KUNIT_EXPECT_GT(test, 10u, 9u);
    KUNIT_EXPECT_GE(test, 7L, -7L);
    KUNIT_EXPECT_TRUE(test, sizeof(long) == 8);
    KUNIT_EXPECT_FALSE(test, 0);
}

static void strings_and_pointers_test(struct kunit* test)
{
    const char* word = "kunit";
    struct example_state* state = test->priv;
    KUNIT_ASSERT_NOT_NULL(test, state);
    KUNIT_EXPECT_STREQ(test, word, "kunit");
    KUNIT_EXPECT_STRNEQ(test, word, "ktap");
    KUNIT_EXPECT_PTR_EQ(test, word + 1, &word[1]);
    KUNIT_EXPECT_PTR_NE(test, word, NULL);
    KUNIT_EXPECT_NULL(test, NULL);
}

static void alloc_test(struct kunit* test)
{
    int i;
    int* numbers = kunit_kcalloc(test, 64, sizeof(int), GFP_KERNEL);
    char* page = kunit_kmalloc(test, 4096, GFP_KERNEL);
    KUNIT_ASSERT_NOT_NULL(test, numbers);
    KUNIT_ASSERT_NOT_NULL(test, page);
    for (i = 0; i < 64; i++)
        KUNIT_EXPECT_EQ(test, numbers[i], 0); /* zeroed */
    kunit_kfree(test, page); /* early, by hand; numbers is freed when the case ends */
}

struct square {
    int n, expected;
};
static const struct square squares[] = { { 0, 0 }, { 3, 9 }, { -4, 16 } };

static void square_desc(const struct square* s, char* desc)
{
    snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d squared", s->n);
}
KUNIT_ARRAY_PARAM(square, squares, square_desc);

static void square_test(struct kunit* test)
{
    const struct square* s = test->param_value;
    KUNIT_EXPECT_EQ(test, s->n * s->n, s->expected);
}

static void skip_test(struct kunit* test)
{
    kunit_skip(test, "this case is skipped on purpose");
    KUNIT_FAIL(test, "not reached: kunit_skip ends the case");
}

static struct kunit_case example_cases[] = {
    KUNIT_CASE(integers_test),
    KUNIT_CASE(strings_and_pointers_test),
    KUNIT_CASE(alloc_test),
    KUNIT_CASE_PARAM(square_test, square_gen_params),
    KUNIT_CASE(skip_test),
    {}
};

static struct kunit_suite example_suite = {
    .name = "example",
    .init = example_init,
    .test_cases = example_cases,
};
kunit_test_suite(example_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit's API: expectations, assertions, allocations, parameters, a skip");
