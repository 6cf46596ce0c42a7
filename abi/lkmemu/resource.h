/* Resource limits as Linux's x86-64 user ABI has them (include/uapi/asm-generic/resource.h):
 * getrlimit(2), setrlimit(2) and prlimit64(2) take a struct of two 64-bit values (on x86-64
 * struct rlimit and struct rlimit64 are the same). */
#pragma once

#include <stdint.h>

#define LKM_RLIMIT_CPU 0
#define LKM_RLIMIT_FSIZE 1
#define LKM_RLIMIT_DATA 2
#define LKM_RLIMIT_STACK 3
#define LKM_RLIMIT_CORE 4
#define LKM_RLIMIT_RSS 5
#define LKM_RLIMIT_NPROC 6
#define LKM_RLIMIT_NOFILE 7
#define LKM_RLIMIT_MEMLOCK 8
#define LKM_RLIMIT_AS 9
#define LKM_RLIMIT_LOCKS 10
#define LKM_RLIMIT_SIGPENDING 11
#define LKM_RLIMIT_MSGQUEUE 12
#define LKM_RLIMIT_NICE 13
#define LKM_RLIMIT_RTPRIO 14
#define LKM_RLIMIT_RTTIME 15
#define LKM_RLIM_NLIMITS 16

#define LKM_RLIM_INFINITY (~0ull)

struct lkm_rlimit64 {
    uint64_t rlim_cur; /* the soft limit: what is enforced */
    uint64_t rlim_max; /* the hard limit: the ceiling of rlim_cur; only root raises it */
};
