// Kernel memory allocation (linux/slab.h).
#pragma once

#include <linux/compiler.h>
#include <linux/types.h>

/* Allocation flags, with Linux's values. The kernel honours __GFP_ZERO and accepts the rest. */
#define __GFP_ZERO 0x100u
#define GFP_ATOMIC 0xa20u /* may not sleep (timer callbacks) */
#define GFP_KERNEL 0xcc0u /* normal allocation from process context */

__LKM_BEGIN_DECLS
/* At least `size` bytes, 16-byte aligned, or NULL. kmalloc(0) returns NULL. */
void* kmalloc(size_t size, gfp_t flags) __malloc;
/* Frees what kmalloc returned; NULL is a no-op. */
void kfree(const void* ptr);
__LKM_END_DECLS

static inline void* kzalloc(size_t size, gfp_t flags)
{
    return kmalloc(size, flags | __GFP_ZERO);
}

static inline void* kmalloc_array(size_t n, size_t size, gfp_t flags)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes))
        return NULL;
    return kmalloc(bytes, flags);
}

static inline void* kcalloc(size_t n, size_t size, gfp_t flags)
{
    return kmalloc_array(n, size, flags | __GFP_ZERO);
}
