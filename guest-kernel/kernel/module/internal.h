// The module subsystem's private definitions (as Linux's kernel/module/internal.h): struct module,
// the module list, and the functions the files of kernel/module/ call in each other.
// struct load_info itself is the loader's (loader/include/loader/load_info.h): load_module runs
// the loader's pipeline on it and then takes the module's memory over into struct module.
#pragma once

#include <lkmemu/observer.h>
#include <kernel/module.h>
#include <kernel/types.h>
#include <loader/load_info.h>
#include <loader/format.h>
#include <loader/loader.h>

// Taint flags, Linux's bit numbers and letters (kernel/panic.c's taint_flags).
constexpr unsigned TAINT_PROPRIETARY_MODULE = 0; // 'P'
constexpr unsigned TAINT_FORCED_RMMOD = 3;       // 'R'
constexpr unsigned TAINT_DIE = 7;                // 'D'

// A dependency link: `source` uses a symbol exported by `target` (Linux's struct module_use).
struct module_use {
    module_use* next; // in source's list of modules it uses
    struct module* target;
};

// A symbol of the module, for oops and %pS (Linux keeps the module's symtab for kallsyms).
struct module_symbol {
    u64 address;
    u64 size;
    const char* name; // in module::strtab
    bool init;        // in the init region: dropped when init memory is freed
};

// One exported symbol of a loaded module (from __ksymtab / __ksymtab_gpl, in module memory).
struct module_export {
    const char* name;
    u64 value;
    bool gpl_only;
};

struct module {
    struct module* next; // the module list (g_modules), newest first
    char name[LKM_MODULE_NAME_LEN];
    lkm_module_state state;
    u64 this_module; // address of its .gnu.linkonce.this_module: what THIS_MODULE points at

    lkm::ModuleMemory core, init;          // from the module area; init.size == 0 once freed
    lkm::RegionLayout core_layout, init_layout;
    u64 init_fn, exit_fn; // 0 when absent
    u64 ctors_address;
    size_t num_ctors;

    long refcnt;       // try_module_get references
    u32 taints;        // 1 << TAINT_*
    module_use* uses;  // modules this one uses

    module_export* syms;
    size_t num_syms;

    module_symbol* symtab; // sorted by address
    size_t num_symtab;
    char* strtab;

    char* args; // the parameter string, parsed in place: charp parameters point into it

    lkm_observed_module observed; // for vmmap / gdb (abi/lkmemu/observer.h)
    lkm_observed_section* observed_sections;
};

// main.cpp
extern module* g_modules;
struct module* find_module(const char* name); // any state but UNFORMED
bool module_is_used(const module* mod); // another module links against it
void add_kernel_taint(unsigned flag);
// procfs.cpp: "(P)", "(+)" ... into buf (8 bytes), as Linux's module_flags.
size_t module_flags(const module* mod, char* buf);

// module_area.cpp: the vmalloc-like module area.
void module_area_init();
// size bytes (a multiple of the page size), mapped rw- NX, zeroed, with an unmapped guard page
// after it. ENOMEM when the area or RAM is exhausted.
lkm::ErrorOr<u64> module_alloc(size_t size);
void module_memfree(u64 address, size_t size);

// strict_rwx.cpp: page permissions per section class.
void module_enable_rodata_ro(const module* mod, bool after_init);
void module_enable_nx(const module* mod);
void module_enable_text_rox(const module* mod);
// Back to rw- NX everywhere, before the memory is freed.
void module_disable_protections(const lkm::ModuleMemory& memory);

// kallsyms.cpp
lkm::ErrorOr<void> layout_symtab(module* mod, const lkm::load_info& info);
void drop_init_symbols(module* mod);
void free_module_symtab(module* mod);

// params.cpp: parse "a=1 b=x,y" against the module's __param table (Linux's parse_args).
lkm::ErrorOr<void> parse_args(module* mod, const lkm::load_info& info);

// procfs.cpp


// notifier.cpp: the module notifier chain. COMING may be vetoed (a negative errno).
enum module_notify_action { MODULE_NOTIFY_COMING, MODULE_NOTIFY_LIVE, MODULE_NOTIFY_GOING };
int module_notify(module_notify_action action, module* mod);
void module_notifier_init(const char* veto_module);

// observer.cpp: the lkm_observed_modules list.
lkm::ErrorOr<void> observe_module(module* mod, const lkm::load_info& info);
void observe_drop_init(module* mod);
void unobserve_module(module* mod);

// module_call.S: call fn() with a recovery point (see module_fault_recovery in main.cpp).
struct module_call_frame {
    u64 rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
extern "C" long module_call(u64 fn, module_call_frame* frame);
