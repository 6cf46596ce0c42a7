// Who holds a module, and removing it (the module unload section of Linux's kernel/module/main.c):
// the dependency links a load makes (ref_module), the references callbacks take
// (try_module_get / module_put), and delete_module(2).
#include "internal.h"

#include <asm/uaccess.h>
#include <kernel/kallsyms.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/slab.h>
#include <kernel/syscalls.h>
#include <kernel/timer.h>
#include <kernel/vsprintf.h>
#include <lkmemu/fcntl.h>

namespace {

bool try_force_unload(unsigned flags)
{
    bool forced = flags & LKM_O_TRUNC; // kmod's rmmod -f
    if (forced)
        add_kernel_taint(TAINT_FORCED_RMMOD);
    return forced;
}

// The module whose THIS_MODULE is `address`: the module holding that address, if that is where
// its __this_module is.
struct module* module_by_this_module(u64 address)
{
    struct module* mod = mod_find(address);
    if (!mod || mod->this_module != address || mod->state == LKM_MODULE_STATE_UNFORMED)
        return nullptr;
    return mod;
}

// kmemleak's report of an unreferenced object ("unreferenced object 0x... (size N):", then the
// allocation's backtrace), for the first few objects a module left allocated: the summary line
// before them has the count and the bytes of all.
constexpr u64 LEAKS_SHOWN = 8;

struct leak_report {
    const module* mod;
    u64 shown;
};

void report_leak(void* context, const void* object, size_t size, u64 caller)
{
    auto& report = *static_cast<leak_report*>(context);
    if (report.shown++ >= LEAKS_SHOWN)
        return;
    char site[128];
    if (!sprint_backtrace(site, sizeof(site), caller)) {
        // Called from its init code, whose memory and symbols went when init finished.
        snprintf(site, sizeof(site), "(init code of %s, freed)", report.mod->name);
    }
    pr_warn("unreferenced object 0x%p (size %lu):\n", object, static_cast<unsigned long>(size));
    pr_warn("  backtrace:\n");
    pr_warn("    [<%p>] %s\n", reinterpret_cast<void*>(caller), site);
}

// Its code's kmalloc memory still allocated: reported, and no longer charged to it. It stays
// allocated, as kmemleak leaves it: the kernel cannot know that nothing refers to it.
void report_module_leaks(module* mod)
{
    if (!mod->kmalloc.count)
        return;
    u64 count = mod->kmalloc.count;
    pr_warn("kmemleak: module %s left %lu objects (%lu bytes) allocated\n", mod->name,
            static_cast<unsigned long>(count), static_cast<unsigned long>(mod->kmalloc.bytes));
    leak_report report { mod, 0 };
    kmalloc_owner_release(&mod->kmalloc, report_leak, &report);
    if (count > LEAKS_SHOWN)
        pr_warn("kmemleak: %lu more not shown\n", static_cast<unsigned long>(count - LEAKS_SHOWN));
}

// Callbacks into a region of the module still registered with the kernel: each is reported and
// unregistered by its subsystem, which walks only its own registrations.
unsigned neutralise_callbacks_into(const module* mod, const lkm::ModuleMemory& region)
{
    if (!region.size)
        return 0;
    return del_timers_in_range(region.address, region.size, mod->name)
        + unregister_module_chrdevs(region.address, region.size, mod->name);
}

} // namespace

kmalloc_owner* module_kmalloc_owner(u64 caller)
{
    struct module* mod = mod_find(caller);
    return mod ? &mod->kmalloc : nullptr;
}

void release_module_leftovers(module* mod)
{
    unsigned left = neutralise_callbacks_into(mod, mod->core) + neutralise_callbacks_into(mod, mod->init);
    if (left)
        add_kernel_taint(TAINT_WARN); // as the WARN Linux would give, had it caught this
    report_module_leaks(mod);
}

void release_init_leftovers(module* mod)
{
    if (neutralise_callbacks_into(mod, mod->init))
        add_kernel_taint(TAINT_WARN);
}

lkm::ErrorOr<void> ref_module(module* a, module* b)
{
    for (module_use* use = a->uses; use; use = use->next_target) {
        if (use->target == b)
            return {};
    }
    auto* use = static_cast<module_use*>(kmalloc(sizeof(module_use)));
    if (!use)
        return lkm::Error::from_errno(LKM_ENOMEM, "out of memory for a module dependency");
    *use = { a->uses, b->users, a, b };
    a->uses = use;
    b->users = use;
    b->refcnt++;
    return {};
}

void module_unload_free(module* mod)
{
    while (module_use* use = mod->uses) {
        mod->uses = use->next_target;
        module* target = use->target;
        for (module_use** link = &target->users; *link; link = &(*link)->next_source) {
            if (*link == use) {
                *link = use->next_source;
                break;
            }
        }
        target->refcnt--;
        kfree(use);
    }
}

bool module_is_used(const module* mod) { return mod->users != nullptr; }

extern "C" bool try_module_get(module* handle)
{
    if (!handle)
        return true;
    struct module* mod = module_by_this_module(reinterpret_cast<u64>(handle));
    if (!mod || mod->state == LKM_MODULE_STATE_GOING)
        return false;
    mod->refcnt++;
    return true;
}

extern "C" void module_put(module* handle)
{
    if (!handle)
        return;
    struct module* mod = module_by_this_module(reinterpret_cast<u64>(handle));
    if (mod && mod->refcnt > 0)
        mod->refcnt--;
}

long sys_delete_module(u64 name_user, unsigned flags)
{
    if (!may_manage_modules())
        return -LKM_EPERM;
    char name[LKM_MODULE_NAME_LEN];
    long length = strncpy_from_user(name, name_user, LKM_MODULE_NAME_LEN - 1);
    if (length < 0)
        return -LKM_EFAULT;
    name[length] = '\0';

    struct module* mod = find_module(name);
    if (!mod || mod->state == LKM_MODULE_STATE_UNFORMED)
        return -LKM_ENOENT;
    if (module_is_used(mod))
        return -LKM_EWOULDBLOCK; // other modules link against it
    if (mod->state != LKM_MODULE_STATE_LIVE)
        return -LKM_EBUSY; // still loading, or already going
    if (mod->init_fn && !mod->exit_fn && !try_force_unload(flags))
        return -LKM_EBUSY; // no exit: it cannot be removed unless forced
    if (mod->refcnt != 0 && !try_force_unload(flags))
        return -LKM_EWOULDBLOCK; // references held (try_module_get)

    set_module_state(mod, LKM_MODULE_STATE_GOING);
    if (mod->exit_fn) {
        bool faulted = false;
        if (auto called = call_module_function(mod->exit_fn, &faulted); called.is_error()) {
            set_module_state(mod, LKM_MODULE_STATE_LIVE); // exit never ran: the module is as it was
            return -called.error().code;
        }
        if (faulted) {
            // Its exit did not finish: timers or devices may still point into it, so its memory
            // stays (Unloading in lsmod), as Linux leaves a module whose exit oopsed.
            pr_err("%s: exit faulted; the module stays in memory (err %d)\n", mod->name, -LKM_EFAULT);
            return -LKM_EFAULT;
        }
    }
    free_module(mod); // notifier GOING after exit, as Linux, then everything else
    return 0;
}
