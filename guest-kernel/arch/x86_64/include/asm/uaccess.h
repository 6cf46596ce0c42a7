// Moving data across the user/kernel boundary. Every access to a user address goes through these
// helpers: the address range is checked to lie in user space (access_ok), and the instructions
// that touch user memory are in the exception table, so a bad pointer makes the call fail with
// -EFAULT instead of oopsing the kernel (arch/x86_64/lib/usercopy.S).
#pragma once

#include <asm/page.h>
#include <kernel/types.h>

inline bool access_ok(u64 address, size_t size)
{
    return size <= TASK_SIZE_MAX && address <= TASK_SIZE_MAX - size;
}

extern "C" size_t __copy_user(void* to, const void* from, size_t n); // returns bytes not copied
extern "C" long __strncpy_from_user(char* dst, const char* src, long count);
extern "C" long __copy_from_kernel_nofault_u64(u64* dst, const void* src);
extern "C" long __copy_to_kernel_nofault_u64(void* dst, u64 value);

// Linux's contract: the number of bytes that could not be copied (0 on success).
// copy_from_user zero-fills the part of the destination it could not copy.
inline size_t copy_from_user(void* to, u64 from, size_t n)
{
    size_t left = n;
    if (access_ok(from, n))
        left = __copy_user(to, reinterpret_cast<const void*>(from), n);
    if (left)
        __builtin_memset(static_cast<u8*>(to) + (n - left), 0, left);
    return left;
}

inline size_t copy_to_user(u64 to, const void* from, size_t n)
{
    if (!access_ok(to, n))
        return n;
    return __copy_user(reinterpret_cast<void*>(to), from, n);
}

// Copy a NUL-terminated string of at most count bytes. Returns its length without the NUL, count
// if there was no NUL within count bytes (dst then is not terminated), or -EFAULT.
long strncpy_from_user(char* dst, u64 src, long count);

// Read 8 bytes from a kernel address that may not be mapped or canonical: 0 or -EFAULT.
inline long copy_from_kernel_nofault_u64(u64* dst, const void* src) { return __copy_from_kernel_nofault_u64(dst, src); }
// Write 8 bytes to a kernel address that may be unmapped or read-only: 0 or -EFAULT.
inline long copy_to_kernel_nofault_u64(void* dst, u64 value) { return __copy_to_kernel_nofault_u64(dst, value); }
