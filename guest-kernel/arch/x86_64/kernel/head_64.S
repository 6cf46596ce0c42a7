/* The one 64-bit entry, for both boot paths (lkmemu: RDI = LKMEMU_BOOT_MAGIC, RSI = boot info;
 * PVH stub: RDI = the PVH magic, RSI = hvm_start_info). It runs on whatever page tables it was
 * given, which map the kernel image at -2 GiB and identity-map low memory. RSP may be 0. */
#define THREAD_SIZE 16384

    .section .head.text, "ax"
    .code64
    .globl startup_64
startup_64:
    cli
    cld
    mov %rdi, %r12
    mov %rsi, %r13
    /* Zero .bss before anything lives there (its stack included). The linker script page-aligns
     * both ends, so whole 64-byte groups: a `rep stos` would cost the CPU engine a translated
     * block per element (see lib/memset_64.S). */
    lea __bss_start(%rip), %rdi
    lea __bss_stop(%rip), %rcx
    sub %rdi, %rcx
    shr $6, %rcx
    jz 2f
    xor %eax, %eax
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
2:
    lea init_stack_top(%rip), %rsp
    xor %ebp, %ebp                  /* the end of every backtrace */
    mov %r12, %rdi
    mov %r13, %rsi
    call x86_64_start_kernel
3:  cli
    hlt
    jmp 3b

    .section .bss
    .balign 4096
    .globl init_stack, init_stack_top
init_stack:
    .skip THREAD_SIZE
init_stack_top:
