/* Time as system calls take it: Linux's x86-64 struct timespec (nanosleep). */
#pragma once

#include <stdint.h>

struct lkm_timespec {
    int64_t tv_sec;
    int64_t tv_nsec; /* [0, 999999999] */
};
