// Linux's fixed-width and kernel types (linux/types.h), from clang's freestanding headers.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lkmemu/list.h> /* struct list_head, struct hlist_node */
#include <linux/compiler.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef long ssize_t;
typedef long long loff_t;
typedef unsigned int gfp_t;
typedef unsigned int umode_t;
typedef unsigned int fmode_t;
typedef u32 dev_t;

/* As in Linux, bool is a typedef, not <stdbool.h>'s macro: module_param(x, bool, ...) pastes
 * the word "bool" into names. */
#ifndef __cplusplus
typedef _Bool bool;
enum { false = 0, true = 1 };
#endif
