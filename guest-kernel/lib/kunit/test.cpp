// Running a module's suites and printing KTAP version 1 (Linux's lib/kunit/test.c,
// Documentation/dev-tools/ktap.rst), one line per printk:
//
//   KTAP version 1
//   1..N                                  the suites that run (after kunit.filter_glob)
//       KTAP version 1
//       # Subtest: SUITE
//       1..M
//       # CASE: EXPECTATION FAILED at FILE:LINE    and the lines of assert.cpp
//       not ok 1 CASE
//           KTAP version 1                 a parameterised case: one line per parameter
//           # Subtest: CASE
//           ok 1 DESCRIPTION
//       # CASE: pass:P fail:F skip:S total:T
//       ok 2 CASE
//       ok 3 CASE # SKIP REASON
//   # SUITE: pass:X fail:Y skip:Z total:T
//   not ok 1 SUITE
//
// Each step that runs module code (suite_init, a case with the suite's init, exit, suite_exit) is
// a try-catch (try_catch.cpp); whatever the case allocated with kunit_kmalloc is freed after it.
#include "internal.h"

#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/vsprintf.h>

namespace {

struct kunit_result_stats {
    size_t passed, skipped, failed, total;
};

void add_result(kunit_result_stats& stats, kunit_status status)
{
    stats.total++;
    if (status == KUNIT_SUCCESS)
        stats.passed++;
    else if (status == KUNIT_SKIPPED)
        stats.skipped++;
    else
        stats.failed++;
}

const char* ok_not_ok(kunit_status status) { return status == KUNIT_FAILURE ? "not ok" : "ok"; }

// "ok 3 CASE # SKIP REASON", at the indentation given.
void print_ok_not_ok(const char* indent, kunit_status status, size_t number, const char* name, const char* comment)
{
    if (status == KUNIT_SKIPPED)
        pr_info("%s%s %zu %s # SKIP %s\n", indent, ok_not_ok(status), number, name, comment ? comment : "");
    else
        pr_info("%s%s %zu %s\n", indent, ok_not_ok(status), number, name);
}

void print_stats(const char* indent, const char* name, const kunit_result_stats& stats)
{
    pr_info("%s# %s: pass:%zu fail:%zu skip:%zu total:%zu\n", indent, name, stats.passed, stats.failed, stats.skipped,
            stats.total);
}

bool case_selected(const kunit_case& test_case, const kunit_filter& filter)
{
    return !filter.case_glob || kunit_glob_match(filter.case_glob, filter.case_glob_length, test_case.name);
}

size_t selected_cases(const kunit_suite& suite, const kunit_filter& filter)
{
    size_t n = 0;
    for (const kunit_case* c = suite.test_cases; c && c->run_case; ++c)
        n += case_selected(*c, filter);
    return n;
}

// The steps, run inside the try-catch.
void step_suite_init(kunit_runner* r) { r->init_error = r->suite->suite_init(r->suite); }
void step_suite_exit(kunit_runner* r) { r->suite->suite_exit(r->suite); }
void step_exit(kunit_runner* r) { r->suite->exit(r->test); }
void step_case(kunit_runner* r)
{
    if (r->suite->init) {
        if (int const err = r->suite->init(r->test)) {
            pr_err(KUNIT_SUBTEST_INDENT "# %s: failed to initialize: %d\n", r->test->name, err);
            r->test->status = KUNIT_FAILURE;
            return;
        }
    }
    r->test_case->run_case(r->test);
}

bool run_step(kunit_runner& runner, kunit_step_fn step)
{
    runner.step = step;
    return kunit_try_catch_run(&runner);
}

// One run of a case (one parameter of a parameterised one): the case, then its cleanup.
kunit_status run_case_once(kunit_suite& suite, kunit_case& test_case, kunit& test)
{
    kunit_runner runner {};
    runner.test = &test;
    runner.suite = &suite;
    runner.test_case = &test_case;
    kunit_init_allocations(&runner);
    test.runner = &runner;
    test.status = KUNIT_SUCCESS;
    test.status_comment[0] = '\0';
    if (!run_step(runner, step_case))
        test.status = KUNIT_FAILURE;
    // As Linux's kunit_run_case_cleanup: the suite's exit runs after every case, also one that
    // failed, was aborted or faulted.
    if (suite.exit && !run_step(runner, step_exit))
        test.status = KUNIT_FAILURE;
    kunit_free_allocations(&runner);
    test.runner = nullptr;
    return test.status;
}

// A case, or each parameter of a parameterised case; its "ok N CASE" line.
void run_case(kunit_suite& suite, kunit_case& test_case, size_t number, kunit_result_stats& suite_stats)
{
    kunit test {};
    test.name = test_case.name;
    if (!test_case.generate_params) {
        test_case.status = run_case_once(suite, test_case, test);
        print_ok_not_ok(KUNIT_SUBTEST_INDENT, test_case.status, number, test_case.name, test.status_comment);
        add_result(suite_stats, test_case.status);
        return;
    }
    pr_info(KUNIT_SUBSUBTEST_INDENT "KTAP version 1\n");
    pr_info(KUNIT_SUBSUBTEST_INDENT "# Subtest: %s\n", test_case.name);
    kunit_result_stats param_stats {};
    char desc[KUNIT_PARAM_DESC_SIZE];
    desc[0] = '\0';
    // As Linux: the generator is called outside the try-catch (it only walks an array).
    test.param_value = test_case.generate_params(nullptr, desc);
    kunit_status status = KUNIT_SKIPPED; // no parameter at all: skipped
    while (test.param_value) {
        kunit_status const param_status = run_case_once(suite, test_case, test);
        if (desc[0] == '\0')
            snprintf(desc, sizeof(desc), "param-%d", test.param_index);
        print_ok_not_ok(KUNIT_SUBSUBTEST_INDENT, param_status, static_cast<size_t>(test.param_index) + 1, desc,
                        test.status_comment);
        add_result(param_stats, param_status);
        if (param_status == KUNIT_FAILURE)
            status = KUNIT_FAILURE;
        else if (param_status == KUNIT_SUCCESS && status == KUNIT_SKIPPED)
            status = KUNIT_SUCCESS;
        desc[0] = '\0';
        test.param_value = test_case.generate_params(test.param_value, desc);
        test.param_index++;
    }
    print_stats(KUNIT_SUBTEST_INDENT, test_case.name, param_stats);
    test_case.status = status;
    print_ok_not_ok(KUNIT_SUBTEST_INDENT, status, number, test_case.name, nullptr);
    add_result(suite_stats, status);
}

void run_suite(kunit_suite& suite, size_t number, const kunit_filter& filter)
{
    pr_info(KUNIT_SUBTEST_INDENT "KTAP version 1\n");
    pr_info(KUNIT_SUBTEST_INDENT "# Subtest: %s\n", suite.name);
    pr_info(KUNIT_SUBTEST_INDENT "1..%zu\n", selected_cases(suite, filter));

    kunit suite_test {}; // what suite_init and suite_exit run as (their messages name the suite)
    suite_test.name = suite.name;
    kunit_runner runner {};
    runner.test = &suite_test;
    runner.suite = &suite;
    kunit_init_allocations(&runner);
    suite_test.runner = &runner;
    bool init_failed = false;
    if (suite.suite_init) {
        bool const ran = run_step(runner, step_suite_init);
        if (!ran || runner.init_error) {
            pr_err(KUNIT_SUBTEST_INDENT "# failed to initialize (%d)\n", ran ? runner.init_error : -14);
            init_failed = true;
        }
    }

    kunit_result_stats stats {};
    kunit_status status = KUNIT_SKIPPED; // as Linux's kunit_suite_has_succeeded
    size_t case_number = 0;
    for (kunit_case* c = suite.test_cases; !init_failed && c && c->run_case; ++c) {
        if (!case_selected(*c, filter))
            continue;
        run_case(suite, *c, ++case_number, stats);
        if (c->status == KUNIT_FAILURE)
            status = KUNIT_FAILURE;
        else if (c->status == KUNIT_SUCCESS && status == KUNIT_SKIPPED)
            status = KUNIT_SUCCESS;
    }
    if (suite.suite_exit && !init_failed)
        run_step(runner, step_suite_exit);
    kunit_free_allocations(&runner);
    if (init_failed)
        status = KUNIT_FAILURE;
    print_stats("", suite.name, stats);
    print_ok_not_ok("", status, number, suite.name, nullptr);
}

} // namespace

bool kunit_glob_match(const char* glob, size_t glob_length, const char* text)
{
    // Linux's glob_match: '*' any run, '?' any one character; backtracking to the last '*' only.
    size_t g = 0, star = SIZE_MAX, resume = 0;
    const char* t = text;
    while (*t) {
        if (g < glob_length && glob[g] == '*') {
            star = ++g;
            resume = static_cast<size_t>(t - text);
        } else if (g < glob_length && (glob[g] == '?' || glob[g] == *t)) {
            ++g;
            ++t;
        } else if (star != SIZE_MAX) {
            g = star;
            t = text + ++resume;
        } else {
            return false;
        }
    }
    while (g < glob_length && glob[g] == '*')
        ++g;
    return g == glob_length;
}

void kunit_run_module_suites(kunit_suite* const* suites, size_t count, const kunit_filter& filter)
{
    // Which suites run: those the filter names, and (with a case filter) only if a case matches.
    auto selected = [&](const kunit_suite* suite) {
        if (!suite)
            return false;
        if (filter.suite_glob && !kunit_glob_match(filter.suite_glob, filter.suite_glob_length, suite->name))
            return false;
        return !filter.case_glob || selected_cases(*suite, filter) > 0;
    };
    size_t planned = 0;
    for (size_t i = 0; i < count; ++i)
        planned += selected(suites[i]);
    if (!planned)
        return;
    pr_info("KTAP version 1\n");
    pr_info("1..%zu\n", planned);
    size_t number = 0;
    for (size_t i = 0; i < count; ++i) {
        if (selected(suites[i]))
            run_suite(*suites[i], ++number, filter);
    }
}
