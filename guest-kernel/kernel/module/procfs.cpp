// /proc/modules in Linux's format (kernel/module/procfs.c's m_show):
//   name size refcount users state address [taints]
// e.g. "provider 16384 1 consumer, Live 0xffffffffa0000000". users is "a,b," (the modules that
// link against this one), "-" when none, "[permanent]," for a module with init but no exit.
// lsmod reads it (and kmod's rmmod reads the users to say who holds a module).
#include "internal.h"

#include <kernel/seq_buf.h>
#include <kernel/string.h>
#include <kernel/vsprintf.h>

namespace {

const char* state_name(lkm_module_state state)
{
    switch (state) {
    case LKM_MODULE_STATE_GOING: return "Unloading";
    case LKM_MODULE_STATE_COMING: return "Loading";
    default: return "Live";
    }
}

} // namespace

// "(P)" for a proprietary module, "(F)" for a forced one; '+' while loading and '-' while unloading, as module_flags().
size_t module_flags(const module* mod, char* buf)
{
    size_t n = 0;
    if (mod->taints || mod->state == LKM_MODULE_STATE_GOING || mod->state == LKM_MODULE_STATE_COMING) {
        buf[n++] = '(';
        if (mod->taints & (1u << TAINT_PROPRIETARY_MODULE))
            buf[n++] = 'P';
        if (mod->taints & (1u << TAINT_FORCED_MODULE))
            buf[n++] = 'F';
        if (mod->taints & (1u << TAINT_UNSIGNED_MODULE))
            buf[n++] = 'E';
        if (mod->state == LKM_MODULE_STATE_GOING)
            buf[n++] = '-';
        if (mod->state == LKM_MODULE_STATE_COMING)
            buf[n++] = '+';
        buf[n++] = ')';
    }
    buf[n] = '\0';
    return n;
}

ssize_t proc_modules_show(char* buf, size_t size)
{
    seq_buf m { buf, size, 0 };
    if (size)
        buf[0] = '\0';
    for (const module* mod = g_modules; mod; mod = mod->next) {
        if (mod->state == LKM_MODULE_STATE_UNFORMED)
            continue;
        m.printf("%s %lu", mod->name, static_cast<u64>(mod->core.size + mod->init.size));
        m.printf(" %ld ", mod->refcnt);
        bool printed = false;
        for (const module_use* use = mod->users; use; use = use->next_source) {
            m.printf("%s,", use->source->name);
            printed = true;
        }
        if (mod->init_fn && !mod->exit_fn) {
            m.printf("[permanent],");
            printed = true;
        }
        if (!printed)
            m.printf("-");
        m.printf(" %s 0x%016lx", state_name(mod->state), mod->core.address);
        if (mod->taints) {
            char flags[8];
            module_flags(mod, flags);
            m.printf(" %s", flags);
        }
        m.printf("\n");
    }
    return static_cast<ssize_t>(m.length);
}
