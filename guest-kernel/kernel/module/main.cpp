// The module lifecycle (Linux's kernel/module/main.c): init_module(2) -> load_module ->
// do_init_module, and delete_module(2) -> free_module. docs/load-unload.md walks through it.
//
// The loader (loader/) does the ELF work: validation, layout, copying, symbol resolution and
// relocation. This file decides everything else: who may load, where the memory comes from (the
// module area), which symbols a module may link against and the dependency links that result,
// parameters, the notifier chain, page permissions, running init/exit under a fault-recovery
// point, and unwinding all of it on any failure.
#include "internal.h"

#include <asm/page.h>
#include <asm/uaccess.h>
#include <kernel/init.h>
#include <kernel/module.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/syscalls.h>
#include <kernel/vsprintf.h>

extern "C" const lkm_kernel_symbol __start___ksymtab[], __stop___ksymtab[];
extern "C" const lkm_kernel_symbol __start___ksymtab_gpl[], __stop___ksymtab_gpl[];

struct module* g_modules;

namespace {

constexpr size_t MAX_MODULE_IMAGE = 64u << 20; // larger images: EFBIG, as Linux's finit_module
constexpr long MAX_MODULE_ARGS = 4096;          // the parameter string, NUL included
constexpr u32 O_TRUNC = 01000;                  // delete_module: force (kmod's rmmod -f)

bool g_modules_disabled;
u32 g_kernel_taints;
module_call_frame* g_fault_frame; // the recovery point of the module call running now, if any
bool g_call_faulted;

// Scratch memory for the loader: the kernel heap.
class KernelAllocator final : public lkm::Allocator {
public:
    void* allocate(size_t size, size_t alignment) override { return alignment <= 16 ? kmalloc(size) : nullptr; }
    void deallocate(void* pointer) override { kfree(pointer); }
};

// The module's own memory: the module area, where the module also runs (memory == address).
class ModuleAreaProvider final : public lkm::ModuleMemoryProvider {
public:
    lkm::ErrorOr<lkm::ModuleMemory> allocate_region(lkm::Region, size_t size) override
    {
        u64 address = TRY(module_alloc(size));
        return lkm::ModuleMemory { reinterpret_cast<u8*>(address), address, size };
    }
    void free_region(lkm::Region, const lkm::ModuleMemory& memory) override
    {
        module_memfree(memory.address, memory.size);
    }
};

const lkm_kernel_symbol* find_kernel_symbol(const char* name, bool* gpl_only)
{
    for (const lkm_kernel_symbol* s = __start___ksymtab; s < __stop___ksymtab; s++) {
        if (!strcmp(reinterpret_cast<const char*>(s->name), name)) {
            *gpl_only = false;
            return s;
        }
    }
    for (const lkm_kernel_symbol* s = __start___ksymtab_gpl; s < __stop___ksymtab_gpl; s++) {
        if (!strcmp(reinterpret_cast<const char*>(s->name), name)) {
            *gpl_only = true;
            return s;
        }
    }
    return nullptr;
}

const module_export* find_module_symbol(const char* name, module** owner, const module* except)
{
    for (module* mod = g_modules; mod; mod = mod->next) {
        if (mod == except || mod->state == LKM_MODULE_STATE_UNFORMED)
            continue;
        for (size_t i = 0; i < mod->num_syms; i++) {
            if (!strcmp(mod->syms[i].name, name)) {
                *owner = mod;
                return &mod->syms[i];
            }
        }
    }
    return nullptr;
}

// `a` uses `b`: remember it once, and hold a reference on b (Linux's ref_module).
lkm::ErrorOr<void> ref_module(module* a, module* b)
{
    for (module_use* use = a->uses; use; use = use->next) {
        if (use->target == b)
            return {};
    }
    auto* use = static_cast<module_use*>(kmalloc(sizeof(module_use)));
    if (!use)
        return lkm::Error::from_errno(LKM_ENOMEM, "out of memory for a module dependency");
    *use = { a->uses, b };
    a->uses = use;
    b->refcnt++;
    return {};
}

// Imports: the kernel's export table first, then the exports of the other loaded modules.
class ModuleSymbolResolver final : public lkm::SymbolResolver {
public:
    explicit ModuleSymbolResolver(module* mod) : m_mod(mod) {}

    lkm::ErrorOr<lkm::ResolvedSymbol> resolve(const char* name) override
    {
        bool gpl_only = false;
        if (const lkm_kernel_symbol* s = find_kernel_symbol(name, &gpl_only))
            return lkm::ResolvedSymbol { s->value, gpl_only };
        struct module* owner = nullptr;
        const module_export* s = find_module_symbol(name, &owner, m_mod);
        if (!s)
            return lkm::Error::from_errno(LKM_ENOENT, "no such export");
        if (owner->state == LKM_MODULE_STATE_COMING)
            return lkm::make_error(LKM_EBUSY, "exporting module is still loading", "%s from %s", name, owner->name);
        // A GPL-only export for a module that may not use it is refused by the loader, which
        // then discards the load: the dependency link goes with it (free_module).
        TRY(ref_module(m_mod, owner));
        return lkm::ResolvedSymbol { s->value, s->gpl_only };
    }

private:
    struct module* m_mod;
};

bool may_manage_modules() { return current()->euid == 0 && !g_modules_disabled; }

void set_state(module* mod, lkm_module_state state)
{
    mod->state = state;
    mod->observed.state = state;
}

// The kernel's reason in the log, in Linux's words where Linux has them.
long report_load_error(const char* name, const lkm::Error& e)
{
    if (!strcmp(e.reason, "Unknown symbol"))
        pr_warn("%s: Unknown symbol %s (err %d)\n", name, e.context, -e.code);
    else if (e.context[0])
        pr_err("%s: %s: %s (err %d)\n", name, e.reason, e.context, -e.code);
    else
        pr_err("%s: %s (err %d)\n", name, e.reason, -e.code);
    return -e.code;
}

void free_region(lkm::ModuleMemory& memory)
{
    if (!memory.size)
        return;
    module_disable_protections(memory);
    module_memfree(memory.address, memory.size);
    memory = {};
}

// Undo everything load_module did, whatever stage it reached (Linux's free_module): off the
// list, exports and dependency links gone, permissions back to rw- NX, memory unmapped and freed.
void free_module(module* mod)
{
    set_state(mod, LKM_MODULE_STATE_UNFORMED);
    for (module** link = &g_modules; *link; link = &(*link)->next) {
        if (*link == mod) {
            *link = mod->next;
            break;
        }
    }
    unobserve_module(mod);
    while (module_use* use = mod->uses) {
        mod->uses = use->next;
        use->target->refcnt--;
        kfree(use);
    }
    kfree(mod->syms);
    free_module_symtab(mod);
    kfree(mod->args);
    free_region(mod->init);
    free_region(mod->core);
    kfree(mod);
}

// Calls a module function (init, exit, a constructor) with a recovery point: a fault in module
// code makes it return -EFAULT with *faulted set (see module_fault_recovery).
long call_module_function(u64 fn, bool* faulted)
{
    module_call_frame frame {};
    module_call_frame* outer = g_fault_frame;
    bool outer_faulted = g_call_faulted;
    g_fault_frame = &frame;
    g_call_faulted = false;
    long ret = module_call(fn, &frame);
    *faulted = g_call_faulted;
    g_fault_frame = outer;
    g_call_faulted = outer_faulted;
    return ret;
}

lkm::ErrorOr<void> check_modinfo(const lkm::load_info& info)
{
    const char* vermagic = lkm::get_modinfo(info, "vermagic");
    if (!vermagic)
        return lkm::Error::from_errno(LKM_ENOEXEC, "no version magic, refusing to load");
    if (strcmp(vermagic, LKM_VERMAGIC) != 0)
        return lkm::make_error(LKM_ENOEXEC, "version magic mismatch", "'%s' should be '%s'", vermagic, LKM_VERMAGIC);
    return {};
}

// A module may not export a symbol the kernel or another module already exports (Linux's
// verify_exported_symbols).
lkm::ErrorOr<void> verify_exported_symbols(const module* mod)
{
    for (size_t i = 0; i < mod->num_syms; i++) {
        const char* name = mod->syms[i].name;
        bool gpl_only;
        struct module* owner = nullptr;
        const char* owner_name = find_kernel_symbol(name, &gpl_only) ? "kernel"
                                 : find_module_symbol(name, &owner, mod) ? owner->name
                                                                         : nullptr;
        if (owner_name) {
            pr_err("%s: exports duplicate symbol %s (owned by %s)\n", mod->name, name, owner_name);
            return lkm::make_error(LKM_ENOEXEC, "exports duplicate symbol", "%s (owned by %s)", name, owner_name);
        }
    }
    return {};
}

lkm::ErrorOr<void> copy_exports(module* mod, const lkm::load_info& info)
{
    size_t count = info.num_exports + info.num_gpl_exports;
    if (!count)
        return {};
    mod->syms = static_cast<module_export*>(kmalloc(count * sizeof(module_export)));
    if (!mod->syms)
        return lkm::Error::from_errno(LKM_ENOMEM, "out of memory for the module's exports");
    for (size_t i = 0; i < count; i++) {
        lkm::ExportedSymbol s = TRY(lkm::module_export(info, i));
        mod->syms[i] = { s.name, s.value, s.gpl_only };
    }
    mod->num_syms = count;
    return {};
}

// Everything from the relocated image to a COMING module with its permissions set. Errors leave
// the module for the caller to free.
lkm::ErrorOr<void> link_and_form(module* mod, lkm::load_info& info, bool* coming_notified)
{
    ModuleSymbolResolver resolver(mod);
    TRY(lkm::simplify_symbols(info, resolver));
    TRY(lkm::apply_relocations(info));
    TRY(lkm::find_module_sections(info));
    mod->this_module = info.section_address(info.index.mod);
    mod->init_fn = info.init.present ? info.init.address : 0;
    mod->exit_fn = info.exit.present ? info.exit.address : 0;
    mod->ctors_address = info.ctors_address;
    mod->num_ctors = info.num_ctors;
    TRY(copy_exports(mod, info));
    TRY(verify_exported_symbols(mod));
    TRY(layout_symtab(mod, info));
    if (!info.gpl_compatible)
        mod->taints |= 1u << TAINT_PROPRIETARY_MODULE;

    // complete_formation: W^X before any of the module's code can run.
    module_enable_rodata_ro(mod, false);
    module_enable_nx(mod);
    module_enable_text_rox(mod);
    set_state(mod, LKM_MODULE_STATE_COMING);

    // prepare_coming_module: listeners may veto.
    *coming_notified = true;
    int veto = module_notify(MODULE_NOTIFY_COMING, mod);
    if (veto < 0)
        return lkm::make_error(-veto, "a module notifier refused the module", "%s", mod->name);
    TRY(parse_args(mod, info));
    return {};
}

void free_init_memory(module* mod)
{
    drop_init_symbols(mod);
    observe_drop_init(mod);
    free_region(mod->init);
    mod->init_layout = {};
}

// Run constructors and init; on success the module goes LIVE and its init memory is freed, on
// failure it is unwound completely and init's error is returned.
long do_init_module(module* mod)
{
    bool faulted = false;
    long ret = 0;
    for (size_t i = 0; i < mod->num_ctors && !faulted; i++) // Linux's do_mod_ctors
        call_module_function(reinterpret_cast<const u64*>(mod->ctors_address)[i], &faulted);
    if (!faulted && mod->init_fn)
        ret = static_cast<int>(call_module_function(mod->init_fn, &faulted));
    if (faulted) {
        pr_err("%s: init faulted, unloading the module (err %d)\n", mod->name, -LKM_EFAULT);
        ret = -LKM_EFAULT;
    }
    if (ret < 0) {
        set_state(mod, LKM_MODULE_STATE_GOING);
        module_notify(MODULE_NOTIFY_GOING, mod);
        free_module(mod);
        return ret;
    }
    if (ret > 0)
        pr_warn("%s: 'init' suspiciously returned %ld, it should follow 0/-E convention\n", mod->name, ret);

    set_state(mod, LKM_MODULE_STATE_LIVE);
    module_notify(MODULE_NOTIFY_LIVE, mod);
    module_enable_rodata_ro(mod, true); // ro_after_init: read-only from now on
    free_init_memory(mod);
    return 0;
}

// The image is in kernel memory now; args is the module's own copy (kmalloc'd, or nullptr).
long load_module(const u8* image, size_t len, char* args)
{
    KernelAllocator allocator;
    ModuleAreaProvider provider;
    lkm::load_info info(image, len, allocator);
    const char* name = "module";

    auto early = [&]() -> lkm::ErrorOr<void> {
        TRY(lkm::elf_validity_check(info));
        TRY(lkm::setup_load_info(info));
        name = info.name;
        TRY(check_modinfo(info));
        if (!info.gpl_compatible) { // as Linux: the kernel is tainted even if the load fails later
            add_kernel_taint(TAINT_PROPRIETARY_MODULE);
            pr_warn("%s: module license '%s' taints kernel.\n", info.name, info.license ? info.license : "unspecified");
        }
        if (find_module(info.name)) {
            pr_warn("%s: a module of this name is already loaded\n", info.name);
            return lkm::make_error(LKM_EEXIST, "module is already loaded", "%s", info.name);
        }
        TRY(lkm::layout_sections(info));
        TRY(lkm::move_module(info, provider));
        return {};
    }();
    if (early.is_error()) {
        kfree(args);
        if (early.error().code == LKM_EEXIST)
            return -LKM_EEXIST;
        return report_load_error(name, early.error());
    }

    // From here on struct module owns the memory, and free_module undoes every stage.
    auto* mod = static_cast<module*>(kmalloc(sizeof(module)));
    if (!mod) {
        kfree(args);
        return report_load_error(name, lkm::Error::from_errno(LKM_ENOMEM, "out of memory for struct module"));
    }
    strlcpy(mod->name, info.name, sizeof(mod->name));
    set_state(mod, LKM_MODULE_STATE_UNFORMED);
    mod->core = info.core;
    mod->init = info.init_region;
    mod->core_layout = info.core_layout;
    mod->init_layout = info.init_layout;
    mod->args = args;
    info.release_module_memory();
    mod->next = g_modules; // add_unformed_module: on the list, invisible to lsmod
    g_modules = mod;

    bool coming_notified = false;
    auto formed = observe_module(mod, info);
    if (!formed.is_error())
        formed = link_and_form(mod, info, &coming_notified);
    if (formed.is_error()) {
        long ret = report_load_error(mod->name, formed.error());
        if (coming_notified) {
            set_state(mod, LKM_MODULE_STATE_GOING);
            module_notify(MODULE_NOTIFY_GOING, mod);
        }
        free_module(mod);
        return ret;
    }
    return do_init_module(mod);
}

// Linux's strndup_user: the NUL-terminated user string, kmalloc'd.
long strndup_user(u64 user, long max, char** out)
{
    KBuffer<char> copy(static_cast<size_t>(max));
    if (!copy)
        return -LKM_ENOMEM;
    long length = strncpy_from_user(copy.get(), user, max);
    if (length < 0)
        return length;
    if (length == max)
        return -LKM_EINVAL; // too long
    copy.get()[length] = '\0';
    *out = copy.release();
    return 0;
}

bool try_force_unload(unsigned flags)
{
    bool forced = flags & O_TRUNC;
    if (forced)
        add_kernel_taint(TAINT_FORCED_RMMOD);
    return forced;
}

struct module* module_by_this_module(u64 address)
{
    for (module* mod = g_modules; mod; mod = mod->next) {
        if (mod->this_module == address && mod->state != LKM_MODULE_STATE_UNFORMED)
            return mod;
    }
    return nullptr;
}

} // namespace

struct module* find_module(const char* name)
{
    for (module* mod = g_modules; mod; mod = mod->next) {
        if (!strcmp(mod->name, name))
            return mod;
    }
    return nullptr;
}

bool module_is_used(const module* mod)
{
    for (const module* user = g_modules; user; user = user->next) {
        for (const module_use* use = user->uses; use; use = use->next) {
            if (use->target == mod)
                return true;
        }
    }
    return false;
}

void add_kernel_taint(unsigned flag) { g_kernel_taints |= 1u << flag; }

const char* print_tainted()
{
    // Linux's letters, in its order, only those that are set.
    static const char letters[] = "PFSRMBUDAWCIOELKXTN";
    static char buf[sizeof(letters)];
    size_t n = 0;
    for (unsigned i = 0; letters[i]; i++) {
        if (g_kernel_taints & (1u << i))
            buf[n++] = letters[i];
    }
    buf[n] = '\0';
    return buf;
}

void print_modules()
{
    char line[256];
    size_t n = strlcpy(line, "Modules linked in:", sizeof(line));
    for (const module* mod = g_modules; mod && n < sizeof(line); mod = mod->next) {
        if (mod->state == LKM_MODULE_STATE_UNFORMED)
            continue;
        char flags[8];
        module_flags(mod, flags);
        n += static_cast<size_t>(snprintf(line + n, sizeof(line) - n, " %s%s", mod->name, flags));
    }
    pr_emerg("%s\n", line);
}

bool module_fault_recovery(pt_regs* regs)
{
    if (!g_fault_frame || user_mode(regs) || !is_module_address(regs->rip))
        return false;
    const module_call_frame& f = *g_fault_frame;
    regs->rbx = f.rbx;
    regs->rbp = f.rbp;
    regs->r12 = f.r12;
    regs->r13 = f.r13;
    regs->r14 = f.r14;
    regs->r15 = f.r15;
    regs->rsp = f.rsp;
    regs->rip = f.rip;
    regs->rax = static_cast<u64>(-static_cast<s64>(LKM_EFAULT));
    g_call_faulted = true;
    add_kernel_taint(TAINT_DIE);
    return true;
}

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

long sys_init_module(u64 umod, u64 len, u64 uargs)
{
    if (!may_manage_modules())
        return -LKM_EPERM;
    if (len < sizeof(lkm::elf::Elf64_Ehdr))
        return -LKM_ENOEXEC;
    if (len > MAX_MODULE_IMAGE) {
        pr_err("module: image of %lu bytes is larger than the %lu bytes allowed\n", len, static_cast<u64>(MAX_MODULE_IMAGE));
        return -LKM_EFBIG;
    }
    KBuffer<u8> image(len);
    if (!image)
        return -LKM_ENOMEM;
    if (copy_from_user(image.get(), umod, len))
        return -LKM_EFAULT;
    char* args = nullptr;
    if (long err = strndup_user(uargs, MAX_MODULE_ARGS, &args); err < 0)
        return err;
    return load_module(image.get(), len, args);
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

    set_state(mod, LKM_MODULE_STATE_GOING);
    if (mod->exit_fn) {
        bool faulted = false;
        call_module_function(mod->exit_fn, &faulted);
        if (faulted) {
            // Its exit did not finish: timers or devices may still point into it, so its memory
            // stays (Unloading in lsmod), as Linux leaves a module whose exit oopsed.
            pr_err("%s: exit faulted; the module stays in memory (err %d)\n", mod->name, -LKM_EFAULT);
            return -LKM_EFAULT;
        }
    }
    module_notify(MODULE_NOTIFY_GOING, mod);
    free_module(mod);
    return 0;
}

void module_subsystem_init()
{
    module_area_init();
    g_modules_disabled = kernel_cmdline.modules_disabled;
    module_notifier_init(kernel_cmdline.module_veto);
}
