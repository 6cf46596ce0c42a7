// The module notifier chain (Linux's register_module_notifier / blocking_notifier_call_chain on
// module_notify_list): listeners hear COMING before init runs, LIVE after it succeeded and GOING
// when a module leaves. A COMING listener may veto the load with a negative errno; load_module
// then unwinds everything and init_module returns that errno.
//
// One listener exists today: the test listener, enabled with module_veto=NAME on the kernel
// command line, which logs every event and refuses the module called NAME with -EACCES (so that
// the tests can exercise the chain and the veto path through the real system call).
#include "internal.h"

#include <kernel/printk.h>
#include <kernel/string.h>

namespace {

using notifier_fn = int (*)(module_notify_action action, module* mod);

constexpr size_t MAX_NOTIFIERS = 4;
notifier_fn g_notifiers[MAX_NOTIFIERS];
char g_veto_module[LKM_MODULE_NAME_LEN];

const char* action_name(module_notify_action action)
{
    switch (action) {
    case MODULE_NOTIFY_COMING:
        return "COMING";
    case MODULE_NOTIFY_LIVE:
        return "LIVE";
    case MODULE_NOTIFY_GOING:
        return "GOING";
    }
    return "?";
}

// Logs every event it hears (so tests can check the order: COMING, LIVE, GOING) and vetoes one.
int veto_listener(module_notify_action action, module* mod)
{
    pr_info("module_veto: %s %s\n", action_name(action), mod->name);
    if (action != MODULE_NOTIFY_COMING || strcmp(mod->name, g_veto_module) != 0)
        return 0;
    pr_warn("module_veto: refusing module %s (test listener)\n", mod->name);
    return -LKM_EACCES;
}

int register_module_notifier(notifier_fn fn)
{
    for (auto& slot : g_notifiers) {
        if (!slot) {
            slot = fn;
            return 0;
        }
    }
    return -LKM_ENOSPC;
}

} // namespace

// Calls every listener in order; the first negative answer stops the chain and is returned.
int module_notify(module_notify_action action, module* mod)
{
    for (notifier_fn fn : g_notifiers) {
        if (!fn)
            continue;
        int ret = fn(action, mod);
        if (ret < 0)
            return ret;
    }
    return 0;
}

void module_notifier_init(const char* veto_module)
{
    if (!veto_module || !*veto_module)
        return;
    strlcpy(g_veto_module, veto_module, sizeof(g_veto_module));
    if (register_module_notifier(veto_listener) == 0)
        pr_info("module_veto: test listener will refuse module %s\n", g_veto_module);
}
