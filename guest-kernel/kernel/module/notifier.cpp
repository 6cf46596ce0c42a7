// The module notifier chain (Linux's register_module_notifier / blocking_notifier_call_chain on
// module_notify_list): listeners hear COMING before init runs, LIVE after it succeeded and GOING
// when a module leaves. A COMING listener may veto the load with a negative errno; load_module
// then unwinds everything and init_module returns that errno.
//
// Listeners are notifier_blocks the caller owns, linked into the chain (Linux's
// notifier_chain_register): as many as register, in priority order (higher first, equal ones in
// the order they came).
//
// Two listeners exist: KUnit's (lib/kunit/executor.cpp runs a test module's suites when it goes
// LIVE), and the test listener, enabled with module_veto=NAME on the kernel command line, which
// logs every event and refuses the module called NAME with -EACCES (so that the tests can
// exercise the chain and the veto path through the real system call).
#include "internal.h"

#include <kernel/printk.h>
#include <kernel/string.h>

namespace {

notifier_block* g_module_notify_list; // highest priority first
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
int veto_listener(notifier_block*, module_notify_action action, module* mod)
{
    pr_info("module_veto: %s %s\n", action_name(action), mod->name);
    if (action != MODULE_NOTIFY_COMING || strcmp(mod->name, g_veto_module) != 0)
        return 0;
    pr_warn("module_veto: refusing module %s (test listener)\n", mod->name);
    return -LKM_EACCES;
}

notifier_block g_veto_notifier = { veto_listener, nullptr, 0 };

} // namespace

void register_module_notifier(notifier_block* nb)
{
    notifier_block** link = &g_module_notify_list;
    while (*link && (*link)->priority >= nb->priority)
        link = &(*link)->next;
    nb->next = *link;
    *link = nb;
}

// Calls every listener in order; the first negative answer stops the chain and is returned.
int module_notify(module_notify_action action, module* mod)
{
    for (notifier_block* nb = g_module_notify_list; nb; nb = nb->next) {
        int ret = nb->notifier_call(nb, action, mod);
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
    register_module_notifier(&g_veto_notifier);
    pr_info("module_veto: test listener will refuse module %s\n", g_veto_module);
}
