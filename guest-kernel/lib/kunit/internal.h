// The runner's private parts (Linux's lib/kunit/): the state of the case that runs, its abort
// point, its resources, and the functions the files of lib/kunit/ call in each other.
#pragma once

#include <lkmemu/kunit.h>
#include <kernel/types.h>

// KUnit's indentation for a suite's lines (KUNIT_SUBTEST_INDENT) and a parameter's.
#define KUNIT_SUBTEST_INDENT "    "
#define KUNIT_SUBSUBTEST_INDENT "        "

// A kunit_kmalloc'd block's header: on the case's list, freed when the case ends.
struct kunit_allocation {
    kunit_allocation* prev;
    kunit_allocation* next;
    struct kunit_runner* owner; // whose list it is on: kunit_kfree checks it
    u64 size;                   // keeps the block 16-byte aligned after the header
};

// One step of a suite (its suite_init or suite_exit, a case with the suite's init, the suite's
// exit after a case) run in a module call (try_catch.cpp).
using kunit_step_fn = void (*)(kunit_runner* runner);

struct kunit_runner {
    void* abort_point[5]; // __builtin_setjmp's buffer: where __kunit_abort resumes
    bool abort_armed;     // inside a step: __kunit_abort may jump
    kunit_step_fn step;
    kunit* test;
    kunit_suite* suite;
    kunit_case* test_case;
    int init_error;                // what suite_init or init returned
    kunit_allocation allocations;  // list head (prev/next only)
};

// try_catch.cpp: runs runner->step(runner) in a module call with runner->test as current's
// kunit_test. False when it faulted (the oops is printed; the step was abandoned).
bool kunit_try_catch_run(kunit_runner* runner);

// resource.cpp: frees every block the case allocated and not freed.
void kunit_free_allocations(kunit_runner* runner);
void kunit_init_allocations(kunit_runner* runner);

// test.cpp: the suites of one module, in KTAP; filter: the suites and cases to run.
struct kunit_filter {
    const char* suite_glob; // nullptr: every suite
    size_t suite_glob_length;
    const char* case_glob; // nullptr: every case
    size_t case_glob_length;
};
bool kunit_glob_match(const char* glob, size_t glob_length, const char* text);
void kunit_run_module_suites(kunit_suite* const* suites, size_t count, const kunit_filter& filter);
