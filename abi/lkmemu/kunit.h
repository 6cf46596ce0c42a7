/* KUnit's structures, shared by test modules (the SDK's <kunit/test.h>, which adds the macros)
 * and the kernel's runner (guest-kernel/lib/kunit/). Names and meanings are Linux's
 * (include/kunit/test.h, include/kunit/assert.h); the layout is this project's, defined only here.
 *
 * A test module lists its suites in the section .kunit_test_suites (an array of pointers to
 * struct kunit_suite, kunit_test_suites()); when the module goes LIVE the kernel runs them and
 * prints KTAP version 1 to the kernel log (docs/testing-modules.md). C and C++. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define LKM_KUNIT_TEST_SUITES_SECTION ".kunit_test_suites"
#define KUNIT_PARAM_DESC_SIZE 128 /* a parameter's description, generate_params writes it */
#define KUNIT_STATUS_COMMENT_SIZE 256 /* why a case was skipped */
#define KUNIT_SUITE_NAME_SIZE 256

#ifdef __cplusplus
extern "C" {
#endif

enum kunit_status {
    KUNIT_SUCCESS,
    KUNIT_FAILURE,
    KUNIT_SKIPPED,
};

struct kunit;

/* One test case: KUNIT_CASE(fn) or KUNIT_CASE_PARAM(fn, gen); the array ends with {}. */
struct kunit_case {
    void (*run_case)(struct kunit* test);
    const char* name;
    /* Parameterised: the next parameter after prev (NULL: the first), NULL when done; it may
     * describe the parameter in desc (KUNIT_PARAM_DESC_SIZE bytes). */
    const void* (*generate_params)(const void* prev, char* desc);
    enum kunit_status status; /* written by the runner */
};

struct kunit_suite {
    const char name[KUNIT_SUITE_NAME_SIZE];
    int (*suite_init)(struct kunit_suite* suite); /* before the first case; nonzero: every case fails */
    void (*suite_exit)(struct kunit_suite* suite);
    int (*init)(struct kunit* test); /* before each case; nonzero: that case fails */
    void (*exit)(struct kunit* test); /* after each case, also one that failed or was aborted */
    struct kunit_case* test_cases;
};

struct kunit_runner; /* the kernel's, per running case: resources, the abort point */

/* The context a case runs in: its argument. */
struct kunit {
    void* priv;              /* for the suite's init and its cases */
    const char* name;        /* the case's */
    const void* param_value; /* a parameterised case's current parameter */
    int param_index;
    enum kunit_status status;
    char status_comment[KUNIT_STATUS_COMMENT_SIZE]; /* kunit_skip's reason */
    struct kunit_runner* runner;
};

/* What a failed KUNIT_EXPECT_* / KUNIT_ASSERT_* was: the kernel words it as KUnit does. */
enum kunit_assert_type {
    KUNIT_ASSERTION,   /* aborts the case */
    KUNIT_EXPECTATION, /* the case goes on */
};

enum kunit_assert_kind {
    KUNIT_ASSERT_KIND_FAIL,       /* KUNIT_FAIL: only the message */
    KUNIT_ASSERT_KIND_UNARY,      /* TRUE/FALSE: left_text is the condition */
    KUNIT_ASSERT_KIND_BINARY_INT, /* EQ, NE, LT, LE, GT, GE on integers */
    KUNIT_ASSERT_KIND_BINARY_PTR, /* PTR_EQ, PTR_NE, NULL, NOT_NULL */
    KUNIT_ASSERT_KIND_BINARY_STR, /* STREQ, STRNEQ */
};

struct kunit_loc {
    int line;
    const char* file;
};

struct kunit_assert {
    enum kunit_assert_kind kind;
    const char* operation;  /* "==", "<", ... */
    const char* left_text;  /* the source text of each side (the condition, for UNARY) */
    const char* right_text;
    int expected_true;      /* UNARY */
    long long left_value, right_value;         /* BINARY_INT */
    const void* left_pointer, * right_pointer; /* BINARY_PTR */
    const char* left_string, * right_string;   /* BINARY_STR */
};

#ifdef __cplusplus
}
#endif
