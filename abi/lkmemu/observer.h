// What the kernel publishes for observers outside the guest: the emulator's `vmmap` and `meminfo`
// commands, and gdb's `lkm-symbols` (scripts/gdb/lkmemu.py). They find these objects by symbol
// name in kernel.elf and read them from guest memory, as Linux's scripts/gdb reads struct module.
// Plain C layout; every pointer is a guest virtual address stored as uint64_t.
#pragma once

#include <stdint.h>

#include "module_abi.h"

/* Kernel symbol `lkm_observer_abi`: which layout of the structs below this kernel publishes. An
 * observer reads it first and refuses a kernel whose version or sizes it does not know, rather
 * than misread its memory. Bump LKM_OBSERVER_VERSION when a field changes meaning or moves. */
#define LKM_OBSERVER_VERSION 1

struct lkm_observer_abi {
    uint32_t version;      /* LKM_OBSERVER_VERSION */
    uint32_t meminfo_size; /* sizeof(struct lkm_meminfo) */
    uint32_t module_size;  /* sizeof(struct lkm_observed_module) */
    uint32_t section_size; /* sizeof(struct lkm_observed_section) */
};

/* Kernel symbol `kernel_meminfo`: memory accounting, updated as it changes. */
struct lkm_meminfo {
    uint64_t total_pages;       /* usable RAM pages the page allocator manages */
    uint64_t free_pages;        /* of those, free now */
    uint64_t kmalloc_bytes;     /* bytes handed out by kmalloc and not yet freed */
    uint64_t kmalloc_objects;   /* objects handed out by kmalloc and not yet freed */
    uint64_t module_area_pages; /* pages mapped in the module area (guard pages excluded) */
    uint64_t user_pages;        /* pages of user address spaces: what they map and their page tables */
};

enum lkm_module_state {
    LKM_MODULE_STATE_LIVE = 0,
    LKM_MODULE_STATE_COMING = 1,
    LKM_MODULE_STATE_GOING = 2,
    LKM_MODULE_STATE_UNFORMED = 3,
};

/* One allocated section of a loaded module, where it really is. */
struct lkm_observed_section {
    uint64_t address;
    uint64_t size;
    char name[48]; /* ".text", ".init.text", ".data..ro_after_init" ... NUL-terminated */
};

/* Kernel symbol `lkm_observed_modules`: uint64_t, the address of the first of these (0: none).
 * The kernel links a module in once it is laid out (state COMING, before relocation finishes
 * and before init runs) and unlinks it when it is freed; `sections` lists every allocated
 * section including init ones, which are removed from the list when init memory is freed. */
struct lkm_observed_module {
    uint64_t next; /* struct lkm_observed_module *, 0 at the end */
    char name[LKM_MODULE_NAME_LEN];
    uint32_t state; /* enum lkm_module_state */
    uint32_t section_count;
    uint64_t sections; /* struct lkm_observed_section[section_count] */
    uint64_t core_base, core_size; /* the core allocation in the module area */
    uint64_t init_base, init_size; /* the init allocation (0, 0 once freed) */
};
