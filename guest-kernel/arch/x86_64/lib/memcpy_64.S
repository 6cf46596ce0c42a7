/* void *memcpy(void *dst, const void *src, size_t n)
 *
 * Sixty-four bytes per loop iteration through registers, then eight, then one, like Linux's
 * memcpy_orig (arch/x86/lib/memcpy_64.S): under a binary translator each iteration of a `rep`
 * string instruction is one pass through a translated block, which makes `rep movsq` cost a
 * block per eight bytes. The buffers must not overlap (memmove is for that). */
    .text
    .globl memcpy
    .type memcpy, @function
memcpy:
    mov %rdi, %rax                  /* the return value */
    mov %rdx, %rcx
    shr $6, %rcx
    jz 2f
1:  mov 0(%rsi), %r8
    mov 8(%rsi), %r9
    mov 16(%rsi), %r10
    mov 24(%rsi), %r11
    mov %r8, 0(%rdi)
    mov %r9, 8(%rdi)
    mov %r10, 16(%rdi)
    mov %r11, 24(%rdi)
    mov 32(%rsi), %r8
    mov 40(%rsi), %r9
    mov 48(%rsi), %r10
    mov 56(%rsi), %r11
    mov %r8, 32(%rdi)
    mov %r9, 40(%rdi)
    mov %r10, 48(%rdi)
    mov %r11, 56(%rdi)
    add $64, %rsi
    add $64, %rdi
    dec %rcx
    jnz 1b
2:  mov %edx, %ecx
    and $63, %ecx
    shr $3, %ecx
    jz 4f
3:  mov (%rsi), %r8
    mov %r8, (%rdi)
    add $8, %rsi
    add $8, %rdi
    dec %ecx
    jnz 3b
4:  and $7, %edx
    jz 6f
5:  movb (%rsi), %r8b
    movb %r8b, (%rdi)
    inc %rsi
    inc %rdi
    dec %edx
    jnz 5b
6:  ret
    .size memcpy, . - memcpy
