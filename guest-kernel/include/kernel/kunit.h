// KUnit (lib/kunit/): the kernel's runner for test modules' suites (docs/testing-modules.md).
#pragma once

// Boot: listen on the module notifier chain, so that a module with .kunit_test_suites has its
// suites run, in KTAP, when it goes LIVE (as Linux's kunit_module_notify). Reads
// kunit.filter_glob= from the command line.
void kunit_init();
