// Small helpers modules expect from linux/kernel.h: ARRAY_SIZE, container_of, min/max, and the
// kernel's string formatting (snprintf) and printk.
#pragma once

#include <linux/types.h>
#include <linux/printk.h>
#include <linux/string.h>

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))

#define container_of(ptr, type, member) ((type*)((char*)(ptr) - offsetof(type, member)))

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(type, a, b) ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define max_t(type, a, b) ((type)(a) > (type)(b) ? (type)(a) : (type)(b))

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

/* BUG(): an invalid opcode, which the kernel reports as an oops naming the module function. */
#define BUG() __builtin_trap()
#define BUG_ON(condition)                                                                          \
    do {                                                                                           \
        if (unlikely(condition))                                                                   \
            BUG();                                                                                 \
    } while (0)

__LKM_BEGIN_DECLS
/* C99 snprintf semantics: returns the length the full output would have had. */
int snprintf(char* buf, size_t size, const char* fmt, ...) __printf(3, 4);
__LKM_END_DECLS
