/* Time as system calls take it: Linux's x86-64 struct timespec (nanosleep, clock_gettime), struct
 * timeval (gettimeofday), struct tms (times) and the clock ids. */
#pragma once

#include <stdint.h>

struct lkm_timespec {
    int64_t tv_sec;
    int64_t tv_nsec; /* [0, 999999999] */
};

struct lkm_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};

struct lkm_tms { /* in clock ticks (USER_HZ, 100 a second) */
    int64_t tms_utime;
    int64_t tms_stime;
    int64_t tms_cutime;
    int64_t tms_cstime;
};

#define LKM_USER_HZ 100

#define LKM_CLOCK_REALTIME 0
#define LKM_CLOCK_MONOTONIC 1
#define LKM_CLOCK_PROCESS_CPUTIME_ID 2
#define LKM_CLOCK_THREAD_CPUTIME_ID 3
#define LKM_CLOCK_MONOTONIC_RAW 4
#define LKM_CLOCK_REALTIME_COARSE 5
#define LKM_CLOCK_MONOTONIC_COARSE 6
#define LKM_CLOCK_BOOTTIME 7

#define LKM_TIMER_ABSTIME 0x01 /* clock_nanosleep: the request is a deadline on the clock */
