/* The compute benchmark's fixed code (docs/benchmarks.md, "Guest compute"): these bytes, assembled
 * once per target by the same assembler, run in a module under lkmemu, in a raw-Unicorn host
 * program, in a PVH kernel under QEMU and natively.
 *
 *   void     compute_store_loop(uint64_t* buffer, uint64_t reps);  8 stores per inner block
 *   uint64_t compute_load_loop(const uint64_t* buffer, uint64_t reps); 8 loads + adds per block
 *
 * Each rep sweeps one 4 KiB buffer, 64 bytes per inner iteration: 2 + 64 * 11 + 2 = 708
 * instructions (compute_loops.h), one translated block per inner iteration. reps >= 1. No stack,
 * no calls, only relative branches, so the bytes run wherever they are copied. */
    .text
    .globl compute_loops_start, compute_loops_end
compute_loops_start:

    .globl compute_store_loop
    .type compute_store_loop, @function
    .balign 64
compute_store_loop:
1:  mov %rdi, %rax
    mov $64, %ecx
2:  mov %rcx, (%rax)
    mov %rcx, 8(%rax)
    mov %rcx, 16(%rax)
    mov %rcx, 24(%rax)
    mov %rcx, 32(%rax)
    mov %rcx, 40(%rax)
    mov %rcx, 48(%rax)
    mov %rcx, 56(%rax)
    add $64, %rax
    dec %ecx
    jnz 2b
    dec %rsi
    jnz 1b
    ret
    .size compute_store_loop, . - compute_store_loop

    .globl compute_load_loop
    .type compute_load_loop, @function
    .balign 64
compute_load_loop:
    xor %edx, %edx
1:  mov %rdi, %rax
    mov $64, %ecx
2:  add (%rax), %rdx
    add 8(%rax), %rdx
    add 16(%rax), %rdx
    add 24(%rax), %rdx
    add 32(%rax), %rdx
    add 40(%rax), %rdx
    add 48(%rax), %rdx
    add 56(%rax), %rdx
    add $64, %rax
    dec %ecx
    jnz 2b
    dec %rsi
    jnz 1b
    mov %rdx, %rax
    ret
    .size compute_load_loop, . - compute_load_loop

compute_loops_end:
    .section .note.GNU-stack, "", @progbits
