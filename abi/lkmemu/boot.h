// The lkmemu boot protocol: what the emulator hands the kernel's 64-bit entry.
// Shared by guest-kernel/ (freestanding) and emulator/ (host). Plain C layout, no padding surprises.
//
// At entry (see docs/architecture.md, "Boot protocol"):
//   long mode, CPL 0, CS = 0x08 (64-bit code), DS = ES = SS = 0x10, RFLAGS = 0x2 (IF clear)
//   CR0 = PE | MP | ET | NE | WP | PG, CR4 = PAE | OSFXSR | OSXMMEXCPT, EFER = LME | LMA | NXE
//   CR3 = the emulator's initial page tables (described in the boot info)
//   RDI = LKMEMU_BOOT_MAGIC, RSI = physical address of struct lkmemu_boot_info
//   RSP = 0: the kernel sets up its own stack before using one.
// The initial page tables map every PT_LOAD segment of the kernel ELF at p_vaddr -> p_paddr with
// 4 KiB pages whose permissions follow p_flags (R -> present, W -> writable, no X -> NX), and
// identity-map [0, 4 GiB) of guest-physical memory, writable and NX, with 2 MiB pages, so the
// boot info is reachable at its physical address.
#pragma once

#ifdef __cplusplus
#include <stdint.h>
#else
#include <stdint.h>
#endif

#define LKMEMU_BOOT_MAGIC 0x4c4b4d45424f4f54ull /* "LKMEBOOT" */
#define LKMEMU_BOOT_INFO_VERSION 2u /* 2: the initrd */

/* Physical layout the emulator uses (the kernel must not assume it: it reads the memory map). */
#define LKMEMU_BOOT_INFO_PADDR 0x1000ull  /* boot info, then memory map, then command line */
#define LKMEMU_BOOT_PAGETABLES_PADDR 0x10000ull /* initial page tables, up to 0x80000 */

enum lkmemu_memory_type {
    LKMEMU_MEMORY_USABLE = 1,   /* free RAM the kernel may allocate */
    LKMEMU_MEMORY_RESERVED = 2, /* not RAM, or RAM the kernel must leave alone */
    LKMEMU_MEMORY_BOOT = 3,     /* boot info and initial page tables: reclaimable once copied */
    LKMEMU_MEMORY_KERNEL = 4,   /* the kernel image as loaded */
    LKMEMU_MEMORY_INITRD = 5,   /* the initrd: RAM the kernel frees once it has unpacked it */
};

struct lkmemu_memory_region {
    uint64_t base;
    uint64_t length;
    uint32_t type; /* enum lkmemu_memory_type */
    uint32_t reserved;
};

struct lkmemu_boot_info {
    uint64_t magic;   /* LKMEMU_BOOT_MAGIC */
    uint32_t version; /* LKMEMU_BOOT_INFO_VERSION */
    uint32_t memory_region_count;
    uint64_t memory_regions_paddr; /* struct lkmemu_memory_region[memory_region_count] */
    uint64_t cmdline_paddr;        /* NUL-terminated kernel command line */
    uint64_t cmdline_length;       /* without the NUL */
    uint64_t initial_pagetables_paddr;
    uint64_t initial_pagetables_size;
    uint64_t kernel_paddr_start; /* lowest p_paddr of the kernel's PT_LOAD segments */
    uint64_t kernel_paddr_end;   /* highest p_paddr + p_memsz */
    uint64_t ram_size;           /* bytes of guest RAM starting at physical 0 */
    /* The initrd (`lkmemu run --initrd`, a newc cpio archive: docs/userland.md), page-aligned
       above the kernel, its pages an LKMEMU_MEMORY_INITRD region; both 0 without one. */
    uint64_t initrd_paddr;
    uint64_t initrd_size; /* bytes of archive; the region is rounded up to whole pages */
};
