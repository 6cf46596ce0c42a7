// When test suites run (Linux's lib/kunit/executor.c and kunit_module_notify): a module with a
// .kunit_test_suites section has them run once it is LIVE, after its init succeeded and before
// its init memory is freed, in the context of the init_module call. kunit.filter_glob=SUITE[.CASE]
// on the kernel command line picks the suites (and cases) by glob.
#include "internal.h"

#include <kernel/init.h>
#include <kernel/kunit.h>
#include <kernel/module/internal.h> // struct module, the notifier chain (Linux: linux/module.h)

namespace {

kunit_filter g_filter;

int kunit_module_notify(notifier_block*, module_notify_action action, module* mod)
{
    if (action == MODULE_NOTIFY_LIVE && mod->num_kunit_suites)
        kunit_run_module_suites(reinterpret_cast<kunit_suite* const*>(mod->kunit_suites), mod->num_kunit_suites,
                                g_filter);
    return 0;
}

notifier_block g_kunit_notifier = { kunit_module_notify, nullptr, 0 };

} // namespace

void kunit_init()
{
    if (const char* glob = kernel_cmdline.kunit_filter_glob) {
        size_t const length = kernel_cmdline.kunit_filter_glob_length;
        size_t dot = 0;
        while (dot < length && glob[dot] != '.')
            ++dot;
        g_filter.suite_glob = glob;
        g_filter.suite_glob_length = dot;
        if (dot < length) {
            g_filter.case_glob = glob + dot + 1;
            g_filter.case_glob_length = length - dot - 1;
        }
    }
    register_module_notifier(&g_kunit_notifier);
}
