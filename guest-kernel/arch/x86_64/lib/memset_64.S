/* void *memset(void *dst, int c, size_t n)
 *
 * Sixty-four bytes per loop iteration with plain stores, then eight, then one: Linux's
 * memset_orig (arch/x86/lib/memset_64.S), the version for CPUs without fast `rep stosb`. Under a
 * binary translator (lkmemu's engine, QEMU's TCG) every iteration of a `rep` string instruction
 * is one pass through a translated block, so `rep stosq` would cost a block per eight bytes. */
    .text
    .globl memset
    .type memset, @function
memset:
    mov %rdi, %r9                   /* the return value */
    movzbl %sil, %eax
    movabs $0x0101010101010101, %r8
    imul %r8, %rax                  /* c in every byte */
    mov %rdx, %rcx
    shr $6, %rcx
    jz 2f
1:  mov %rax, 0(%rdi)
    mov %rax, 8(%rdi)
    mov %rax, 16(%rdi)
    mov %rax, 24(%rdi)
    mov %rax, 32(%rdi)
    mov %rax, 40(%rdi)
    mov %rax, 48(%rdi)
    mov %rax, 56(%rdi)
    add $64, %rdi
    dec %rcx
    jnz 1b
2:  mov %edx, %ecx
    and $63, %ecx
    shr $3, %ecx
    jz 4f
3:  mov %rax, (%rdi)
    add $8, %rdi
    dec %ecx
    jnz 3b
4:  and $7, %edx
    jz 6f
5:  mov %al, (%rdi)
    inc %rdi
    dec %edx
    jnz 5b
6:  mov %r9, %rax
    ret
    .size memset, . - memset
