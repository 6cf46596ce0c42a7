// Running one step of a test (Linux's lib/kunit/try-catch.c) and aborting it (__kunit_abort).
//
// Linux runs each case in a kthread: a failed KUNIT_ASSERT ends that thread, a crash kills it,
// and the runner waits for it. Here a step runs in a module call (kernel/module/module_call.cpp),
// which already gives module code its own stack and an oops recovery point: a fault in the case
// comes back as "try faulted" and the runner goes on with the next case. An assertion jumps back
// to the start of the step (__builtin_setjmp/__builtin_longjmp, the compiler's own non-local
// jump, which needs no libc): the frames it drops are the case's own C frames and the call into
// __kunit_abort, none of which holds a resource (the case's allocations are on the runner's list,
// freed when it ends). A case that hangs is left to the host's time limits (`lkmemu test`).
#include "internal.h"

#include <kernel/module/internal.h> // call_module_function, as Linux's KUnit includes linux/module.h
#include <kernel/printk.h>
#include <kernel/sched.h>

namespace {

// What the module call runs: the step of current's runner, with the abort point set.
long kunit_step_trampoline()
{
    kunit_runner* runner = current()->kunit_test->runner;
    if (__builtin_setjmp(runner->abort_point) == 0) {
        runner->abort_armed = true;
        runner->step(runner);
    }
    // After an abort the locals are not to be trusted: the runner is found again.
    current()->kunit_test->runner->abort_armed = false;
    return 0;
}

} // namespace

bool kunit_try_catch_run(kunit_runner* runner)
{
    task_struct* task = current();
    kunit* outer = task->kunit_test; // a test that loads a test module
    task->kunit_test = runner->test;
    bool faulted = false;
    auto called = call_module_function_catching(reinterpret_cast<u64>(&kunit_step_trampoline), &faulted);
    task->kunit_test = outer;
    if (called.is_error()) {
        pr_err(KUNIT_SUBTEST_INDENT "# %s: internal error occurred preventing test case from running: %d\n",
               runner->test->name, -called.error().code);
        return false;
    }
    if (faulted)
        pr_err(KUNIT_SUBTEST_INDENT "# %s: try faulted\n", runner->test->name);
    return !faulted;
}

// KUNIT_ASSERT_* after a failure, and kunit_skip: the rest of the step does not run.
extern "C" [[noreturn]] void __kunit_abort(kunit* test)
{
    kunit* running = current()->kunit_test;
    if (!running || running != test || !running->runner->abort_armed) {
        pr_emerg("kunit: __kunit_abort outside the test case it names\n");
        __builtin_trap(); // a BUG: the oops and the module call's recovery deal with it
    }
    __builtin_longjmp(running->runner->abort_point, 1);
}
