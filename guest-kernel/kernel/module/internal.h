// The module subsystem's private definitions (as Linux's kernel/module/internal.h): struct module,
// the module list, and the functions the files of kernel/module/ call in each other.
// struct load_info itself is the loader's (loader/include/loader/load_info.h): load_module runs
// the loader's stages on it and takes the module's memory over into struct module.
#pragma once

#include <lkmemu/observer.h>
#include <kernel/module.h>
#include <kernel/rbtree.h>
#include <kernel/slab.h>
#include <kernel/types.h>
#include <loader/load_info.h>
#include <loader/format.h>
#include <loader/loader.h>

// Taint flags, Linux's bit numbers and letters (kernel/panic.c's taint_flags).
constexpr unsigned TAINT_PROPRIETARY_MODULE = 0; // 'P'
constexpr unsigned TAINT_FORCED_MODULE = 1;      // 'F'
constexpr unsigned TAINT_FORCED_RMMOD = 3;       // 'R'
constexpr unsigned TAINT_UNSIGNED_MODULE = 13;   // 'E'

// A dependency link: `source` uses a symbol exported by `target` (Linux's struct module_use). It is
// on both modules' lists, so "whom do I use" and "who uses me" are each one walk.
struct module_use {
    module_use* next_target; // in source->uses
    module_use* next_source; // in target->users
    struct module* source;
    struct module* target;
};

// A symbol of the module, for oops and %pS (Linux keeps the module's symtab for kallsyms).
struct module_symbol {
    u64 address;
    u64 size;
    const char* name; // in module::strtab
    bool init;        // in the init region: dropped when init memory is freed
};

// One exported symbol: of a loaded module (from its __ksymtab / __ksymtab_gpl) or of the kernel.
// Exports are found by name through the export table (symbols.cpp), a hash table chained
// through hash_next.
struct module_export {
    const char* name; // in module memory (or the kernel's __ksymtab_strings)
    u64 value;
    bool gpl_only;
    struct module* owner;     // nullptr: the kernel's own
    module_export* hash_next; // the next export in its bucket
    bool has_crc;             // crc is its __kcrctab entry (modversions)
    u32 crc;
    const char* ns;           // its symbol namespace, or nullptr
    u64 hash;                 // of name, set when it enters the table: removal never reads name
};

// A region of a module in the address tree (tree_lookup.cpp, Linux's mod_tree_node).
struct mod_tree_node {
    rb_node node; // by start
    u64 start, size;
    struct module* mod;
};

struct module {
    struct module* next; // the module list (g_modules), newest first
    struct module* prev;
    char name[LKM_MODULE_NAME_LEN];
    lkm_module_state state;
    u64 this_module; // address of its .gnu.linkonce.this_module: what THIS_MODULE points at

    lkm::ModuleMemory core, init;          // from the module area; init.size == 0 once freed
    lkm::RegionLayout core_layout, init_layout;
    mod_tree_node core_node, init_node;    // in the address tree while the region exists
    u64 init_fn, exit_fn; // 0 when absent
    u64 ctors_address;
    size_t num_ctors;

    long refcnt;        // try_module_get references, and one per module using this one
    u32 taints;         // 1 << TAINT_*
    module_use* uses;   // modules this one uses
    module_use* users;  // modules that use this one

    module_export* syms; // its exports, in the export table from complete_formation on
    size_t num_syms;

    module_symbol* symtab; // in the image's order
    size_t num_symtab;
    char* strtab;

    char* args; // the parameter string, parsed in place: charp parameters point into it
    // Its .kunit_test_suites: num_kunit_suites pointers to struct kunit_suite (lib/kunit/ runs
    // them when the module goes LIVE); 0 when it has none.
    u64 kunit_suites;
    size_t num_kunit_suites;
    kmalloc_owner kmalloc; // what its code allocated (the exported kmalloc) and has not freed

    lkm_observed_module observed; // for vmmap / gdb (abi/lkmemu/observer.h)
    lkm_observed_section* observed_sections;
};

// load_module's stages (main.cpp), in order.
#define LOAD_STAGES(X)                                                                             \
    X(elf_validity_check) X(setup_load_info) X(check_modinfo) X(layout_and_allocate)               \
    X(add_unformed_module) X(simplify_symbols) X(apply_relocations) X(post_relocation)             \
    X(complete_formation) X(prepare_coming_module) X(parse_args) X(do_init_module)
enum class load_stage : u8 {
#define LOAD_STAGE_ENUMERATOR(name) name,
    LOAD_STAGES(LOAD_STAGE_ENUMERATOR)
#undef LOAD_STAGE_ENUMERATOR
};

// fail_stage.cpp: the test hook module.fail_stage=STAGE[:MODULE] (from the command line).
void set_fail_stage(const char* setting);
// ENOMEM "injected failure" if the hook asks the load of module `name` to fail after `stage`.
lkm::ErrorOr<void> injected_failure(load_stage stage, const char* name);

// main.cpp: the module list and load_module.
extern module* g_modules;
struct module* find_module(const char* name); // in any state
void set_module_state(module* mod, lkm_module_state state);
bool may_manage_modules(); // root, and modules_disabled not set
// load_module: the image (in kernel memory, never written) through every stage and init; uargs
// is the user's parameter string, flags finit_module's LKM_MODULE_INIT_* (0 from init_module).
// 0 or -errno, with the kernel's reason logged.
long load_module(const u8* image, size_t len, u64 uargs, unsigned flags);
// Linux's try_to_force_load (as built with CONFIG_MODULE_FORCE_LOAD): a check the caller was told
// to skip is skipped, the kernel and the module are tainted F, and the first time
// "NAME: REASON: kernel tainted." is logged.
void try_to_force_load(const char* name, const char* reason, u32* module_taints);
// Undoes every stage of load_module, newest first, for a module that went through do_init_module
// (Linux's free_module): notifier GOING, exports, symbols, links, the lists, its memory.
void free_module(module* mod);

// unload.cpp: dependency links and references (Linux's module unload section of main.c).
lkm::ErrorOr<void> ref_module(module* a, module* b); // a uses b: one link, one reference on b
void module_unload_free(module* mod);                 // drop every link of mod to modules it uses
bool module_is_used(const module* mod);               // another module links against it
// What the exported kmalloc charges an allocation from `caller` to: the caller's module, if any.
kmalloc_owner* module_kmalloc_owner(u64 caller);
// Before a module's memory is freed (free_module, or a failed init): what its code left behind
// -- timers, character devices, kmalloc memory -- is reported, neutralised, and taints W.
void release_module_leftovers(module* mod);
// The same for callbacks into its init region alone, before that region is freed after init.
void release_init_leftovers(module* mod);

// symbols.cpp: the export table (the kernel's exports and every formed module's).
void export_table_init();
const module_export* find_symbol(const char* name);
lkm::ErrorOr<void> verify_exported_symbols(const module* mod); // none already exported elsewhere
void publish_exports(module* mod);
void unpublish_exports(module* mod);
lkm::ErrorOr<void> copy_exports(module* mod, const lkm::load_info& info);
// Linux's check_modstruct_version: module_layout's CRC against the module's __versions. True if
// the module has none (or they are ignored), so that the load goes on only forced.
lkm::ErrorOr<bool> check_modstruct_version(const lkm::load_info& info);
// Linux's pr_warn_once "NAME: no symbol version for SYMBOL", after simplify_symbols.
void warn_unversioned(const lkm::load_info& info);
// Resolves a module's imports for the loader's simplify_symbols, with ref_module for each hit.
class ModuleSymbolResolver final : public lkm::SymbolResolver {
public:
    explicit ModuleSymbolResolver(module* mod) : m_mod(mod) {}
    lkm::ErrorOr<lkm::ResolvedSymbol> resolve(const char* name) override;
    // Linux's "NAME: Unknown symbol SYM (err -2)", one line for each.
    void unknown_symbol(const char* name) override;

private:
    struct module* m_mod;
};

// tree_lookup.cpp: address -> module (Linux's mod_tree), over the core and init regions.
void mod_tree_insert(module* mod);
void mod_tree_remove_init(module* mod);
void mod_tree_remove(module* mod);
struct module* mod_find(u64 address); // the module whose core or init region holds address

// signing.cpp: module signatures (Linux's module_sig_check). Before the ELF is parsed: a valid
// signature sets *sig_ok; *len loses the trailer if there is one. 0, or the errno that refuses the
// load (EKEYREJECTED, EBADMSG ...); an unsigned or unknown-key module is 0 unless sig_enforce.
long module_sig_check(const u8* mod, size_t* len, unsigned flags, bool* sig_ok);
// Once the module is on the list: taint E (and Linux's notice, once) if it was not verified.
void module_sig_taint(module* mod, bool sig_ok);
bool is_module_sig_enforced();

// taint.cpp
void add_kernel_taint(unsigned flag);
bool test_taint(unsigned flag);

// procfs.cpp: "(P)", "(+)" ... into buf (8 bytes), as Linux's module_flags.
size_t module_flags(const module* mod, char* buf);

// module_area.cpp: the vmalloc-like module area.
void module_area_init();
// size bytes (a multiple of the page size), mapped rw- NX, not zeroed (move_module clears it, as
// Linux's does), with an unmapped guard page after it. ENOMEM when the area or RAM is exhausted.
lkm::ErrorOr<u64> module_alloc(size_t size);
void module_memfree(u64 address, size_t size);

// strict_rwx.cpp: page permissions per section class.
void module_enable_rodata_ro(const module* mod, bool after_init);
void module_enable_nx(const module* mod);
void module_enable_text_rox(const module* mod);
// Back to rw- NX everywhere, before the memory is freed.
void module_disable_protections(const lkm::ModuleMemory& memory);

// kallsyms.cpp
lkm::ErrorOr<void> add_kallsyms(module* mod, const lkm::load_info& info);
void drop_init_symbols(module* mod);
void free_module_symtab(module* mod);

// params.cpp: parse "a=1 b=x,y" against the module's __param table (Linux's parse_args).
lkm::ErrorOr<void> parse_args(module* mod, const lkm::load_info& info);

// notifier.cpp: the module notifier chain. COMING may be vetoed (a negative errno).
enum module_notify_action { MODULE_NOTIFY_COMING, MODULE_NOTIFY_LIVE, MODULE_NOTIFY_GOING };
int module_notify(module_notify_action action, module* mod);
// A listener (Linux's struct notifier_block), in storage its owner provides; registered for good.
struct notifier_block {
    int (*notifier_call)(notifier_block* nb, module_notify_action action, module* mod);
    notifier_block* next; // in the chain
    int priority;         // higher runs first
};
void register_module_notifier(notifier_block* nb);
void module_notifier_init(const char* veto_module);

// observer.cpp: the lkm_observed_modules list.
lkm::ErrorOr<void> observe_module(module* mod, const lkm::load_info& info);
void observe_drop_init(module* mod);
void unobserve_module(module* mod);

// chrdev.cpp: for a module's unload, unregister every module character device whose
// file_operations (or a function or owner in it) lies in [start, start + size), reporting each.
unsigned unregister_module_chrdevs(u64 start, u64 size, const char* module_name);

// module_call.cpp: call a module function (init, exit, a constructor) on its own stack with a
// recovery point. A kernel-mode fault while it runs (in the module or in kernel code it called)
// kills the calling task (make_task_dead), except init, for which the call returns -EFAULT with
// *faulted set (see module_fault_recovery). ENOMEM: no stack for it, the function did not run.
lkm::ErrorOr<long> call_module_function(u64 fn, bool* faulted);
// The same, but a fault is caught in any task, not only in init: the call returns -EFAULT with
// *faulted set (KUnit's try-catch, lib/kunit/try_catch.cpp).
lkm::ErrorOr<long> call_module_function_catching(u64 fn, bool* faulted);
bool in_module_call(); // such a call is running in the current task
// module_call.S
struct module_call_frame {
    u64 rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags;
};
extern "C" long module_call(u64 fn, module_call_frame* frame, u64 stack_top);
