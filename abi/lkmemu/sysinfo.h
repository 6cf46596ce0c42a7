/* sysinfo(2)'s struct sysinfo (include/uapi/linux/sysinfo.h) on x86-64: 112 bytes. */
#pragma once

#include <stdint.h>

#define LKM_SI_LOAD_SHIFT 16 /* loads[] are fixed point with this many fraction bits */

struct lkm_sysinfo {
    int64_t uptime;      /* seconds since boot */
    uint64_t loads[3];   /* 1, 5 and 15 minute load averages */
    uint64_t totalram;   /* in units of mem_unit bytes */
    uint64_t freeram;
    uint64_t sharedram;
    uint64_t bufferram;
    uint64_t totalswap;
    uint64_t freeswap;
    uint16_t procs;      /* number of tasks */
    uint16_t pad;
    uint64_t totalhigh;
    uint64_t freehigh;
    uint32_t mem_unit;
    char _f[4];          /* Linux's padding to 112 bytes (20 - 2 * 8 - 4 = 0 bytes, then alignment) */
};
