// Attributes and small helpers every SDK header uses (Linux: compiler_types.h, compiler.h).
// Works in C and in C++ modules.
#pragma once

#define __section(s) __attribute__((__section__(s)))
#define __used __attribute__((__used__))
#define __maybe_unused __attribute__((__unused__))
#define __always_unused __attribute__((__unused__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __packed __attribute__((__packed__))
#define __cold __attribute__((__cold__))
#define __noreturn __attribute__((__noreturn__))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define __malloc __attribute__((__malloc__))
#define __visible /* GCC's externally_visible; clang has no LTO-internalising to prevent */
#define noinline __attribute__((__noinline__))
#define __always_inline inline __attribute__((__always_inline__))
#define notrace

/* Sparse's address-space markers: documentation only, as in a Linux build without sparse. */
#define __user
#define __kernel
#define __iomem

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" : : : "memory")

#define READ_ONCE(x) (*(const volatile __typeof__(x)*)&(x))
#define WRITE_ONCE(x, val) (*(volatile __typeof__(x)*)&(x) = (val))

#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

/* Declarations the kernel provides have C linkage, also when a C++ module includes them. */
#ifdef __cplusplus
#define __LKM_BEGIN_DECLS extern "C" {
#define __LKM_END_DECLS }
#define __LKM_EXTERN_C extern "C"
#else
#define __LKM_BEGIN_DECLS
#define __LKM_END_DECLS
#define __LKM_EXTERN_C
#endif
