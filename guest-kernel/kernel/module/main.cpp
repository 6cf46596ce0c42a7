// Loading a module (Linux's kernel/module/main.c): init_module(2) -> load_module, a pipeline of
// stages in Linux's order and with Linux's names, -> do_init_module. docs/load-unload.md walks
// through it.
//
// The loader (loader/) does the ELF work: validation, layout, copying, symbol resolution and
// relocation. The kernel decides everything else: who may load, where the memory comes from (the
// module area), which symbols a module may link against, page permissions, the notifier chain,
// parameters, and running init. A failed load is undone by one unwinder, stage by stage in
// reverse, which is also what frees a module on unload (free_module).
#include "internal.h"

#include <asm/uaccess.h>
#include <crypto/system_keyring.h>
#include <kernel/init.h>
#include <kernel/kunit.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/string.h>
#include <kernel/syscalls.h>

struct module* g_modules;

namespace {

constexpr size_t MAX_MODULE_IMAGE = LKM_MAX_MODULE_IMAGE; // larger images: EFBIG
constexpr long MAX_MODULE_ARGS = 4096;          // the parameter string, NUL included

bool g_modules_disabled;

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

// One load in progress: the loader's state, the parameter string until struct module owns it,
// the module once it exists, and the last stage entered, which is where unwinding starts.
struct load_context {
    lkm::load_info& info;
    lkm::ModuleMemoryProvider& provider;
    KBuffer<char>& args;
    module* mod = nullptr;
    load_stage reached = load_stage::elf_validity_check;
    u32 taints = 0; // 1 << TAINT_*, for struct module once it exists (F: a forced load)
    bool sig_ok = false; // module_sig_check verified the signature

    // Records that `stage` ran; passes its result on, or the test hook's failure after it.
    lkm::ErrorOr<void> ran(load_stage stage, lkm::ErrorOr<void> result)
    {
        reached = stage;
        if (result.is_error())
            return result;
        return injected_failure(stage, info.name);
    }
};

// The kernel's reason in the log, once per refused load, in Linux's words where Linux has them;
// any other kind as "NAME: reason: context (err -N)".
long report_load_error(const char* name, const lkm::Error& e)
{
    switch (e.kind) {
    case lkm::ErrorKind::UnknownSymbol:
        return -e.code; // each one was logged as simplify_symbols found it (ModuleSymbolResolver)
    case lkm::ErrorKind::DuplicateExport:
        pr_err("%s: exports duplicate symbol %s\n", name, e.context);
        return -e.code;
    case lkm::ErrorKind::InvalidParameter:
        pr_err("%s: %s\n", name, e.context);
        return -e.code;
    case lkm::ErrorKind::AlreadyLoaded:
        pr_warn("%s: a module of this name is already loaded\n", name);
        return -e.code;
    case lkm::ErrorKind::BadVersion:
        pr_warn("%s: disagrees about version of symbol %s\n", name, e.context);
        if (e.code == LKM_EINVAL) // an import (not module_layout): Linux's simplify_symbols says so too
            pr_warn("%s: Unknown symbol %s (err %d)\n", name, e.context, -e.code);
        return -e.code;
    case lkm::ErrorKind::MissingNamespace: { // context: "SYMBOL NAMESPACE"
        const char* space = strchr(e.context, ' ');
        int length = space ? static_cast<int>(space - e.context) : static_cast<int>(strlen(e.context));
        pr_err("%s: module uses symbol (%.*s) from namespace %s, but does not import it.\n", name, length, e.context,
               space ? space + 1 : "");
        pr_warn("%s: Unknown symbol %.*s (err %d)\n", name, length, e.context, -e.code);
        return -e.code;
    }
    default:
        break;
    }
    if (e.context[0])
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

void list_del(module* mod)
{
    if (mod->prev)
        mod->prev->next = mod->next;
    else if (g_modules == mod)
        g_modules = mod->next;
    if (mod->next)
        mod->next->prev = mod->prev;
    mod->next = mod->prev = nullptr;
}

// Undoes the stages from `reached` back to layout_and_allocate, newest first: Linux's error labels
// at the end of load_module, and its free_module. `reached` is the last stage entered, finished or
// not, so each step copes with its stage having stopped partway.
void unwind_module(module* mod, load_stage reached)
{
    switch (reached) {
    case load_stage::do_init_module:
        release_module_leftovers(mod); // its code ran: what it left registered or allocated
        [[fallthrough]];
    case load_stage::parse_args:
    case load_stage::prepare_coming_module:
        // COMING was sent (it is the first thing prepare_coming_module does): GOING follows.
        set_module_state(mod, LKM_MODULE_STATE_GOING);
        module_notify(MODULE_NOTIFY_GOING, mod);
        [[fallthrough]];
    case load_stage::complete_formation:
        // Its exports are found no more; it leaves lsmod. (Its pages go back to rw- NX when they
        // are freed below.)
        unpublish_exports(mod);
        set_module_state(mod, LKM_MODULE_STATE_UNFORMED);
        [[fallthrough]];
    case load_stage::post_relocation:
        kfree(mod->syms);
        mod->syms = nullptr;
        mod->num_syms = 0;
        free_module_symtab(mod);
        [[fallthrough]];
    case load_stage::apply_relocations:
    case load_stage::simplify_symbols:
        module_unload_free(mod); // the dependency links simplify_symbols made
        [[fallthrough]];
    case load_stage::add_unformed_module:
        list_del(mod);
        mod_tree_remove(mod);
        unobserve_module(mod);
        [[fallthrough]];
    case load_stage::layout_and_allocate:
        free_region(mod->init);
        free_region(mod->core);
        kfree(mod->args);
        kfree(mod);
        break;
    case load_stage::elf_validity_check:
    case load_stage::setup_load_info:
    case load_stage::check_modinfo:
        break; // no struct module yet: load_info and the parameter buffer free themselves
    }
}

// The version magic (the loader's check, so that `lkmemu check` gives the kernel's verdict), then
// the license: one that is not GPL-compatible taints the kernel even if the load fails later
// (Linux's set_license). finit_module's IGNORE_VERMAGIC treats the magic as absent, which
// Linux (CONFIG_MODULE_FORCE_LOAD) loads anyway, forced; an image without one is still refused.
lkm::ErrorOr<void> check_modinfo(load_context& c)
{
    const lkm::load_info& info = c.info;
    // modversions first, as Linux's early_mod_check: module_layout's CRC (no __versions, or
    // IGNORE_MODVERSIONS: forced).
    if (TRY(check_modstruct_version(info)))
        try_to_force_load(info.name, "module_layout", &c.taints);
    if (info.flags & LKM_MODULE_INIT_IGNORE_VERMAGIC)
        try_to_force_load(info.name, "bad vermagic", &c.taints);
    else
        TRY(lkm::check_modinfo(info));
    if (!info.gpl_compatible) {
        add_kernel_taint(TAINT_PROPRIETARY_MODULE);
        pr_warn("%s: module license '%s' taints kernel.\n", info.name, info.license ? info.license : "unspecified");
    }
    return {};
}

// Both regions laid out, allocated from the module area and filled with the sections; then
// struct module, which owns that memory and the parameter string from here on.
lkm::ErrorOr<void> layout_and_allocate(load_context& c)
{
    lkm::load_info& info = c.info;
    TRY(lkm::layout_sections(info));
    TRY(lkm::move_module(info, c.provider));
    auto* mod = static_cast<module*>(kmalloc(sizeof(module))); // zeroed: nothing to undo yet
    if (!mod)
        return lkm::Error::from_errno(LKM_ENOMEM, "out of memory for struct module");
    strlcpy(mod->name, info.name, sizeof(mod->name));
    set_module_state(mod, LKM_MODULE_STATE_UNFORMED);
    mod->core = info.core;
    mod->init = info.init_region;
    mod->core_layout = info.core_layout;
    mod->init_layout = info.init_layout;
    mod->args = c.args.release();
    mod->taints = c.taints;
    if (!info.gpl_compatible)
        mod->taints |= 1u << TAINT_PROPRIETARY_MODULE;
    info.release_module_memory();
    c.mod = mod;
    return {};
}

lkm::ErrorOr<void> add_unformed_module(module* mod, const lkm::load_info& info)
{
    if (find_module(mod->name))
        return lkm::make_error(LKM_EEXIST, "module is already loaded", "%s", mod->name)
            .with_kind(lkm::ErrorKind::AlreadyLoaded);
    TRY(observe_module(mod, info));
    mod->next = g_modules;
    if (g_modules)
        g_modules->prev = mod;
    g_modules = mod;
    mod_tree_insert(mod);
    return {};
}

lkm::ErrorOr<void> simplify_symbols(module* mod, lkm::load_info& info)
{
    ModuleSymbolResolver resolver(mod);
    TRY(lkm::simplify_symbols(info, resolver));
    warn_unversioned(info);
    return {};
}

// What the kernel keeps of the relocated image (Linux's post_relocation with add_kallsyms): the
// module sections (exports, parameters, constructors, the relocated init and exit), a copy of the
// exports and the symbol table. Linux finds the module sections before simplify_symbols; here the
// loader reads them after relocation, when the values in them are final.
lkm::ErrorOr<void> post_relocation(module* mod, lkm::load_info& info)
{
    TRY(lkm::find_module_sections(info));
    // As Linux's find_module_sections: exports without CRCs (no __kcrctab) load only forced.
    if ((info.num_exports && !info.index.kcrctab) || (info.num_gpl_exports && !info.index.kcrctab_gpl))
        try_to_force_load(mod->name, "no versions for exported symbols", &mod->taints);
    mod->this_module = info.section_address(info.index.mod);
    mod->init_fn = info.init.present ? info.init.address : 0;
    mod->exit_fn = info.exit.present ? info.exit.address : 0;
    mod->ctors_address = info.ctors_address;
    mod->num_ctors = info.num_ctors;
    mod->kunit_suites = info.kunit_suites_address;
    mod->num_kunit_suites = info.num_kunit_suites;
    TRY(copy_exports(mod, info));
    TRY(add_kallsyms(mod, info));
    return {};
}

lkm::ErrorOr<void> complete_formation(module* mod)
{
    TRY(verify_exported_symbols(mod));
    // W^X before any of the module's code can run.
    module_enable_rodata_ro(mod, false);
    module_enable_nx(mod);
    module_enable_text_rox(mod);
    publish_exports(mod);
    set_module_state(mod, LKM_MODULE_STATE_COMING);
    return {};
}

lkm::ErrorOr<void> prepare_coming_module(module* mod)
{
    int veto = module_notify(MODULE_NOTIFY_COMING, mod);
    if (veto < 0)
        return lkm::Error::from_errno(-veto, "a module notifier refused the module");
    return {};
}

// Everything up to a module ready to run its init. On failure c.reached says how far it got.
lkm::ErrorOr<void> run_load_stages(load_context& c)
{
    lkm::load_info& info = c.info;
    // Every header, table, symbol and relocation of the untrusted image.
    TRY(c.ran(load_stage::elf_validity_check, lkm::elf_validity_check(info)));
    // .gnu.linkonce.this_module (name, init, exit), .modinfo (license), the special sections.
    TRY(c.ran(load_stage::setup_load_info, lkm::setup_load_info(info)));
    // vermagic; a license that is not GPL-compatible taints the kernel.
    TRY(c.ran(load_stage::check_modinfo, ::check_modinfo(c)));
    // Core and init regions from the module area, the sections in them; struct module.
    TRY(c.ran(load_stage::layout_and_allocate, layout_and_allocate(c)));
    // On the module list (UNFORMED: invisible to lsmod), in the address tree, observed by the
    // host; a module of this name already there: EEXIST.
    TRY(c.ran(load_stage::add_unformed_module, add_unformed_module(c.mod, info)));
    module_sig_taint(c.mod, c.sig_ok); // as Linux, once the module is on the list
    // Imports from the kernel's and other modules' exports, a dependency link per module used.
    TRY(c.ran(load_stage::simplify_symbols, simplify_symbols(c.mod, info)));
    // Every RELA section applied to module memory (the loader's x86-64 apply_relocate_add).
    TRY(c.ran(load_stage::apply_relocations, lkm::apply_relocations(info)));
    // Module sections, exports and symbol table, kept after the image is gone.
    TRY(c.ran(load_stage::post_relocation, post_relocation(c.mod, info)));
    // No export clashes; W^X page permissions; exports visible; state COMING.
    TRY(c.ran(load_stage::complete_formation, complete_formation(c.mod)));
    // The notifier chain hears COMING, and a listener may veto.
    TRY(c.ran(load_stage::prepare_coming_module, prepare_coming_module(c.mod)));
    // The parameter string against the module's __param table.
    TRY(c.ran(load_stage::parse_args, parse_args(c.mod, info)));
    return {};
}

// Linux's strndup_user: the NUL-terminated user string, kmalloc'd.
long strndup_user(u64 user, long max, KBuffer<char>* out)
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
    *out = static_cast<KBuffer<char>&&>(copy); // moved: the caller owns it now
    return 0;
}

void free_init_memory(module* mod)
{
    release_init_leftovers(mod); // callbacks into init code, while its symbols still exist
    drop_init_symbols(mod);
    observe_drop_init(mod);
    mod_tree_remove_init(mod);
    free_region(mod->init);
    mod->init_layout = {};
}

// Constructors, then init. Success: LIVE, ro_after_init read-only, init memory freed. Failure
// (init < 0, a fault, the test hook): the module is unwound and init's error returned.
long do_init_module(module* mod)
{
    // Where Linux's do_init_module can fail before running anything (its allocation).
    if (auto injected = injected_failure(load_stage::do_init_module, mod->name); injected.is_error()) {
        long err = report_load_error(mod->name, injected.error());
        free_module(mod);
        return err;
    }
    bool faulted = false;
    long ret = 0;
    for (size_t i = 0; i < mod->num_ctors && !faulted && ret == 0; i++) { // Linux's do_mod_ctors
        auto called = call_module_function(reinterpret_cast<const u64*>(mod->ctors_address)[i], &faulted);
        if (called.is_error())
            ret = -called.error().code;
    }
    if (!faulted && ret == 0 && mod->init_fn) {
        auto called = call_module_function(mod->init_fn, &faulted);
        ret = called.is_error() ? -called.error().code : static_cast<int>(called.value());
    }
    if (faulted) {
        pr_err("%s: init faulted, unloading the module (err %d)\n", mod->name, -LKM_EFAULT);
        ret = -LKM_EFAULT;
    }
    if (ret < 0) {
        free_module(mod); // as Linux: notifier GOING, then everything load_module did
        return ret;
    }
    if (ret > 0)
        pr_warn("%s: 'init' suspiciously returned %ld, it should follow 0/-E convention\n", mod->name, ret);

    set_module_state(mod, LKM_MODULE_STATE_LIVE);
    module_notify(MODULE_NOTIFY_LIVE, mod);
    module_enable_rodata_ro(mod, true); // ro_after_init: read-only from now on
    free_init_memory(mod);
    return 0;
}

} // namespace

// The image is in kernel memory; the parameter string is copied from user space first.
long load_module(const u8* image, size_t len, u64 uargs, unsigned flags)
{
    // The signature first, on the image as handed over (Linux's module_sig_check): from here on
    // len excludes the signature's trailer.
    bool sig_ok = false;
    if (long err = module_sig_check(image, &len, flags, &sig_ok); err < 0)
        return err;
    KBuffer<char> args;
    if (long err = strndup_user(uargs, MAX_MODULE_ARGS, &args); err < 0)
        return err;
    KernelAllocator allocator;
    ModuleAreaProvider provider; // outlives info, whose destructor may give memory back to it
    lkm::load_info info(image, len, allocator);
    info.flags = flags;
    load_context c { info, provider, args };
    c.sig_ok = sig_ok;
    auto loaded = run_load_stages(c);
    if (loaded.is_error()) {
        long err = report_load_error(info.name[0] ? info.name : "module", loaded.error());
        if (c.mod)
            unwind_module(c.mod, c.reached);
        return err;
    }
    return do_init_module(c.mod);
}

void try_to_force_load(const char* name, const char* reason, u32* module_taints)
{
    if (!test_taint(TAINT_FORCED_MODULE))
        pr_warn("%s: %s: kernel tainted.\n", name, reason);
    add_kernel_taint(TAINT_FORCED_MODULE);
    *module_taints |= 1u << TAINT_FORCED_MODULE;
}

struct module* find_module(const char* name)
{
    for (module* mod = g_modules; mod; mod = mod->next) {
        if (!strcmp(mod->name, name))
            return mod;
    }
    return nullptr;
}

void set_module_state(module* mod, lkm_module_state state)
{
    mod->state = state;
    mod->observed.state = state;
}

bool may_manage_modules() { return current()->euid == 0 && !g_modules_disabled; }

void free_module(module* mod) { unwind_module(mod, load_stage::do_init_module); }

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
    auto image = page_buffer::allocate(len); // not zeroed: the copy fills it whole
    if (image.is_error())
        return -LKM_ENOMEM;
    if (copy_from_user(image.value().data(), umod, len))
        return -LKM_EFAULT;
    return load_module(image.value().data(), len, uargs, 0);
}

void module_subsystem_init()
{
    module_area_init();
    export_table_init();
    load_system_certificate_list();
    g_modules_disabled = kernel_cmdline.modules_disabled;
    module_notifier_init(kernel_cmdline.module_veto);
    kunit_init(); // lib/kunit/: test modules' suites run when they go LIVE
    set_fail_stage(kernel_cmdline.module_fail_stage);
}
