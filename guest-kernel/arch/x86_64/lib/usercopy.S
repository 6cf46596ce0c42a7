/* The instructions that touch user (or possibly unmapped) memory, each with an exception-table
 * entry: when one faults, the trap handler resumes at its fixup, which reports the failure. */
#include <asm/extable.h>

#define EFAULT 14

    .text
/* size_t __copy_user(void *to, const void *from, size_t n): returns the bytes not copied.
 * Thirty-two bytes per iteration while they last (a `rep movsb` costs the engine a translated
 * block per byte), then the rest with rep movsb, which stops at the exact byte that faults and
 * leaves RCX = bytes remaining: the answer. A fault in the fast loop hands its whole group to
 * the byte copy, which redoes what was stored and stops at the faulting byte, as Linux's
 * copy_user_generic_unrolled falls back to its byte-wise tail. */
    .globl __copy_user
__copy_user:
    cmp $32, %rdx
    jb 3f
1:  mov 0(%rsi), %r8
11: mov 8(%rsi), %r9
12: mov 16(%rsi), %r10
13: mov 24(%rsi), %r11
14: mov %r8, 0(%rdi)
15: mov %r9, 8(%rdi)
16: mov %r10, 16(%rdi)
17: mov %r11, 24(%rdi)
    add $32, %rsi
    add $32, %rdi
    sub $32, %rdx
    cmp $32, %rdx
    jae 1b
3:  mov %rdx, %rcx
4:  rep movsb
2:  mov %rcx, %rax
    ret
    _ASM_EXTABLE(1b, 3b)
    _ASM_EXTABLE(11b, 3b)
    _ASM_EXTABLE(12b, 3b)
    _ASM_EXTABLE(13b, 3b)
    _ASM_EXTABLE(14b, 3b)
    _ASM_EXTABLE(15b, 3b)
    _ASM_EXTABLE(16b, 3b)
    _ASM_EXTABLE(17b, 3b)
    _ASM_EXTABLE(4b, 2b)

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
