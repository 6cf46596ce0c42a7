/* KUnit for test modules (Linux's include/kunit/test.h): suites of test cases, run by the kernel
 * when the module loads, results in KTAP on the kernel log; `lkmemu test FILE.ko` runs them and
 * collects the results (docs/testing-modules.md).
 *
 *   static void add_test(struct kunit *test) { KUNIT_EXPECT_EQ(test, 1 + 1, 2); }
 *   static struct kunit_case example_cases[] = { KUNIT_CASE(add_test), {} };
 *   static struct kunit_suite example_suite = { .name = "example", .test_cases = example_cases };
 *   kunit_test_suite(example_suite);
 *   MODULE_LICENSE("GPL");
 *
 * The structures are the contract's (abi/lkmemu/kunit.h); the kernel's runner is lib/kunit/.
 * Each value is evaluated once. KUNIT_ASSERT_* ends the case at the first failure (the case's
 * exit still runs); KUNIT_EXPECT_* records it and goes on. C and C++. */
#pragma once

#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <lkmemu/kunit.h>

__LKM_BEGIN_DECLS
/* The runner's exports (EXPORT_SYMBOL_GPL, as Linux's). */
void __kunit_do_failed_assertion(struct kunit* test, const struct kunit_loc* loc, enum kunit_assert_type type,
                                 const struct kunit_assert* assert, const char* fmt, ...) __printf(5, 6) __cold;
void __kunit_abort(struct kunit* test) __noreturn;
/* n * size bytes, zeroed, freed when the case ends (or by kunit_kfree); NULL if out of memory. */
void* kunit_kmalloc_array(struct kunit* test, size_t n, size_t size, gfp_t gfp);
void kunit_kfree(struct kunit* test, const void* ptr);
__LKM_END_DECLS

static inline void* kunit_kmalloc(struct kunit* test, size_t size, gfp_t gfp)
{
    return kunit_kmalloc_array(test, 1, size, gfp);
}
static inline void* kunit_kzalloc(struct kunit* test, size_t size, gfp_t gfp)
{
    return kunit_kmalloc(test, size, gfp | __GFP_ZERO);
}
static inline void* kunit_kcalloc(struct kunit* test, size_t n, size_t size, gfp_t gfp)
{
    return kunit_kmalloc_array(test, n, size, gfp | __GFP_ZERO);
}

/* --- suites and cases ------------------------------------------------------------------------ */

#define KUNIT_CASE(test_name) { .run_case = test_name, .name = #test_name }
#define KUNIT_CASE_PARAM(test_name, gen_params) { .run_case = test_name, .name = #test_name, .generate_params = gen_params }

/* NAME_gen_params walks ARRAY; get_desc(const T *param, char *desc) describes each (or NULL). */
#define KUNIT_ARRAY_PARAM(name, array, get_desc)                                                       \
    static const void* name##_gen_params(const void* prev, char* desc)                                 \
    {                                                                                                  \
        __typeof__((array)[0])* __next = prev ? ((__typeof__(__next))prev) + 1 : (array);              \
        if ((size_t)(__next - (array)) < ARRAY_SIZE((array))) {                                        \
            void (*__get_desc)(__typeof__(__next), char*) = get_desc;                                  \
            if (__get_desc)                                                                            \
                __get_desc(__next, desc);                                                              \
            return __next;                                                                             \
        }                                                                                              \
        return NULL;                                                                                   \
    }

/* The module's suites, in the .kunit_test_suites section the kernel reads when it loads. */
#define __kunit_test_suites(unique_array, ...)                                                         \
    static struct kunit_suite* unique_array[] __aligned(sizeof(struct kunit_suite*)) __used            \
        __section(LKM_KUNIT_TEST_SUITES_SECTION) = { __VA_ARGS__ }
#define kunit_test_suites(...) __kunit_test_suites(__UNIQUE_ID(array), ##__VA_ARGS__)
#define kunit_test_suite(suite) kunit_test_suites(&suite)

/* --- messages -------------------------------------------------------------------------------- */

#define kunit_printk(lvl, test, fmt, ...) printk(lvl "    # %s: " fmt, (test)->name, ##__VA_ARGS__)
#define kunit_info(test, fmt, ...) kunit_printk(KERN_INFO, test, fmt, ##__VA_ARGS__)
#define kunit_warn(test, fmt, ...) kunit_printk(KERN_WARNING, test, fmt, ##__VA_ARGS__)
#define kunit_err(test, fmt, ...) kunit_printk(KERN_ERR, test, fmt, ##__VA_ARGS__)

/* Skipping: the case's result is "ok N CASE # SKIP REASON". kunit_skip also ends the case. */
#define kunit_mark_skipped(test, fmt, ...)                                                             \
    do {                                                                                               \
        (test)->status = KUNIT_SKIPPED;                                                                \
        snprintf((test)->status_comment, KUNIT_STATUS_COMMENT_SIZE, fmt, ##__VA_ARGS__);               \
    } while (0)
#define kunit_skip(test, fmt, ...)                                                                     \
    do {                                                                                               \
        kunit_mark_skipped(test, fmt, ##__VA_ARGS__);                                                  \
        __kunit_abort(test);                                                                           \
    } while (0)

/* --- expectations and assertions ------------------------------------------------------------- */

#define __KUNIT_FAILED(test, assert_type, assert_value, fmt, ...)                                      \
    do {                                                                                               \
        static const struct kunit_loc __kunit_loc = { __LINE__, __FILE__ };                            \
        __kunit_do_failed_assertion(test, &__kunit_loc, assert_type, &(assert_value), fmt, ##__VA_ARGS__); \
        if ((assert_type) == KUNIT_ASSERTION)                                                          \
            __kunit_abort(test);                                                                       \
    } while (0)

#define KUNIT_FAIL_ASSERTION(test, assert_type, fmt, ...)                                              \
    do {                                                                                               \
        struct kunit_assert __kunit_assert = { .kind = KUNIT_ASSERT_KIND_FAIL };                       \
        __KUNIT_FAILED(test, assert_type, __kunit_assert, fmt, ##__VA_ARGS__);                         \
    } while (0)

#define KUNIT_UNARY_ASSERTION(test, assert_type, condition, expected_true_, fmt, ...)                  \
    do {                                                                                               \
        if (likely(!!(condition) == !!(expected_true_)))                                               \
            break;                                                                                     \
        struct kunit_assert __kunit_assert = { .kind = KUNIT_ASSERT_KIND_UNARY, .left_text = #condition, \
                                               .expected_true = (expected_true_) };                    \
        __KUNIT_FAILED(test, assert_type, __kunit_assert, fmt, ##__VA_ARGS__);                         \
    } while (0)

#define KUNIT_BINARY_INT_ASSERTION(test, assert_type, left, op, right, fmt, ...)                       \
    do {                                                                                               \
        const __typeof__(left) __left = (left);                                                        \
        const __typeof__(right) __right = (right);                                                     \
        if (likely(__left op __right))                                                                 \
            break;                                                                                     \
        struct kunit_assert __kunit_assert = { .kind = KUNIT_ASSERT_KIND_BINARY_INT, .operation = #op,  \
                                               .left_text = #left, .right_text = #right,               \
                                               .left_value = (long long)__left,                        \
                                               .right_value = (long long)__right };                    \
        __KUNIT_FAILED(test, assert_type, __kunit_assert, fmt, ##__VA_ARGS__);                         \
    } while (0)

#define KUNIT_BINARY_PTR_ASSERTION(test, assert_type, left, op, right, fmt, ...)                       \
    do {                                                                                               \
        const void* __left = (const void*)(left);                                                      \
        const void* __right = (const void*)(right);                                                    \
        if (likely(__left op __right))                                                                 \
            break;                                                                                     \
        struct kunit_assert __kunit_assert = { .kind = KUNIT_ASSERT_KIND_BINARY_PTR, .operation = #op,  \
                                               .left_text = #left, .right_text = #right,               \
                                               .left_pointer = __left, .right_pointer = __right };     \
        __KUNIT_FAILED(test, assert_type, __kunit_assert, fmt, ##__VA_ARGS__);                         \
    } while (0)

#define KUNIT_BINARY_STR_ASSERTION(test, assert_type, left, op, right, fmt, ...)                       \
    do {                                                                                               \
        const char* __left = (left);                                                                   \
        const char* __right = (right);                                                                 \
        if (likely(__left && __right && strcmp(__left, __right) op 0))                                 \
            break;                                                                                     \
        struct kunit_assert __kunit_assert = { .kind = KUNIT_ASSERT_KIND_BINARY_STR, .operation = #op,  \
                                               .left_text = #left, .right_text = #right,               \
                                               .left_string = __left, .right_string = __right };       \
        __KUNIT_FAILED(test, assert_type, __kunit_assert, fmt, ##__VA_ARGS__);                         \
    } while (0)

/* KUNIT_FAIL: a failed expectation with only a message. */
#define KUNIT_FAIL(test, fmt, ...) KUNIT_FAIL_ASSERTION(test, KUNIT_EXPECTATION, fmt, ##__VA_ARGS__)

/* Each EXPECT has an ASSERT twin and a _MSG form taking a printf-style message. */
#define KUNIT_EXPECT_TRUE(test, c) KUNIT_UNARY_ASSERTION(test, KUNIT_EXPECTATION, c, 1, NULL)
#define KUNIT_EXPECT_TRUE_MSG(test, c, fmt, ...) KUNIT_UNARY_ASSERTION(test, KUNIT_EXPECTATION, c, 1, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_FALSE(test, c) KUNIT_UNARY_ASSERTION(test, KUNIT_EXPECTATION, c, 0, NULL)
#define KUNIT_EXPECT_FALSE_MSG(test, c, fmt, ...) KUNIT_UNARY_ASSERTION(test, KUNIT_EXPECTATION, c, 0, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_TRUE(test, c) KUNIT_UNARY_ASSERTION(test, KUNIT_ASSERTION, c, 1, NULL)
#define KUNIT_ASSERT_TRUE_MSG(test, c, fmt, ...) KUNIT_UNARY_ASSERTION(test, KUNIT_ASSERTION, c, 1, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_FALSE(test, c) KUNIT_UNARY_ASSERTION(test, KUNIT_ASSERTION, c, 0, NULL)
#define KUNIT_ASSERT_FALSE_MSG(test, c, fmt, ...) KUNIT_UNARY_ASSERTION(test, KUNIT_ASSERTION, c, 0, fmt, ##__VA_ARGS__)

#define KUNIT_EXPECT_EQ(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, ==, r, NULL)
#define KUNIT_EXPECT_NE(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, !=, r, NULL)
#define KUNIT_EXPECT_LT(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, <, r, NULL)
#define KUNIT_EXPECT_LE(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, <=, r, NULL)
#define KUNIT_EXPECT_GT(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, >, r, NULL)
#define KUNIT_EXPECT_GE(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, >=, r, NULL)
#define KUNIT_EXPECT_EQ_MSG(test, l, r, fmt, ...) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, ==, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_NE_MSG(test, l, r, fmt, ...) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, !=, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_LT_MSG(test, l, r, fmt, ...) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, <, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_LE_MSG(test, l, r, fmt, ...) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, <=, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_GT_MSG(test, l, r, fmt, ...) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, >, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_GE_MSG(test, l, r, fmt, ...) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, >=, r, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_EQ(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, ==, r, NULL)
#define KUNIT_ASSERT_NE(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, !=, r, NULL)
#define KUNIT_ASSERT_LT(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, <, r, NULL)
#define KUNIT_ASSERT_LE(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, <=, r, NULL)
#define KUNIT_ASSERT_GT(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, >, r, NULL)
#define KUNIT_ASSERT_GE(test, l, r) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, >=, r, NULL)
#define KUNIT_ASSERT_EQ_MSG(test, l, r, fmt, ...) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, ==, r, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_NE_MSG(test, l, r, fmt, ...) KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, !=, r, fmt, ##__VA_ARGS__)

#define KUNIT_EXPECT_PTR_EQ(test, l, r) KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_EXPECTATION, l, ==, r, NULL)
#define KUNIT_EXPECT_PTR_NE(test, l, r) KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_EXPECTATION, l, !=, r, NULL)
#define KUNIT_ASSERT_PTR_EQ(test, l, r) KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_ASSERTION, l, ==, r, NULL)
#define KUNIT_ASSERT_PTR_NE(test, l, r) KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_ASSERTION, l, !=, r, NULL)
#define KUNIT_EXPECT_NULL(test, p) KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_EXPECTATION, p, ==, NULL, NULL)
#define KUNIT_EXPECT_NOT_NULL(test, p) KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_EXPECTATION, p, !=, NULL, NULL)
#define KUNIT_ASSERT_NULL(test, p) KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_ASSERTION, p, ==, NULL, NULL)
#define KUNIT_ASSERT_NOT_NULL(test, p) KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_ASSERTION, p, !=, NULL, NULL)

#define KUNIT_EXPECT_STREQ(test, l, r) KUNIT_BINARY_STR_ASSERTION(test, KUNIT_EXPECTATION, l, ==, r, NULL)
#define KUNIT_EXPECT_STRNEQ(test, l, r) KUNIT_BINARY_STR_ASSERTION(test, KUNIT_EXPECTATION, l, !=, r, NULL)
#define KUNIT_ASSERT_STREQ(test, l, r) KUNIT_BINARY_STR_ASSERTION(test, KUNIT_ASSERTION, l, ==, r, NULL)
#define KUNIT_ASSERT_STRNEQ(test, l, r) KUNIT_BINARY_STR_ASSERTION(test, KUNIT_ASSERTION, l, !=, r, NULL)
#define KUNIT_EXPECT_STREQ_MSG(test, l, r, fmt, ...) KUNIT_BINARY_STR_ASSERTION(test, KUNIT_EXPECTATION, l, ==, r, fmt, ##__VA_ARGS__)
