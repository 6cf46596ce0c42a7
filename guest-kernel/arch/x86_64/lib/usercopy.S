/* The instructions that touch user (or possibly unmapped) memory, each with an exception-table
 * entry: when one faults, the trap handler resumes at its fixup, which reports the failure. */
#include <asm/extable.h>

#define EFAULT 14

    .text
/* size_t __copy_user(void *to, const void *from, size_t n): returns the bytes not copied.
 * A fault inside rep movsb leaves RCX = bytes remaining, which is exactly the answer. */
    .globl __copy_user
__copy_user:
    mov %rdx, %rcx
1:  rep movsb
2:  mov %rcx, %rax
    ret
    _ASM_EXTABLE(1b, 2b)

/* long __strncpy_from_user(char *dst, const char *src, long count) */
    .globl __strncpy_from_user
__strncpy_from_user:
    xor %eax, %eax
3:  cmp %rdx, %rax
    jae 5f
4:  movb (%rsi, %rax), %cl
    movb %cl, (%rdi, %rax)
    test %cl, %cl
    jz 5f
    inc %rax
    jmp 3b
5:  ret
6:  mov $-EFAULT, %rax
    ret
    _ASM_EXTABLE(4b, 6b)

/* long __copy_from_kernel_nofault_u64(u64 *dst, const void *src): 0, or -EFAULT if reading src
 * faulted (#PF for an unmapped address, #GP for a non-canonical one). */
    .globl __copy_from_kernel_nofault_u64
__copy_from_kernel_nofault_u64:
7:  mov (%rsi), %rax
    mov %rax, (%rdi)
    xor %eax, %eax
    ret
8:  mov $-EFAULT, %rax
    ret
    _ASM_EXTABLE(7b, 8b)

/* long __copy_to_kernel_nofault_u64(void *dst, u64 value): 0, or -EFAULT if writing dst faulted
 * (unmapped, read-only, non-canonical). */
    .globl __copy_to_kernel_nofault_u64
__copy_to_kernel_nofault_u64:
9:  mov %rsi, (%rdi)
    xor %eax, %eax
    ret
10: mov $-EFAULT, %rax
    ret
    _ASM_EXTABLE(9b, 10b)
