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
    /* Zero .bss before anything lives there, its stack included: memset runs on a few words of
     * stack in .data meanwhile. */
    lea boot_scratch_stack_top(%rip), %rsp
    lea __bss_start(%rip), %rdi
    xor %esi, %esi
    lea __bss_stop(%rip), %rdx
    sub %rdi, %rdx
    call memset
    lea init_stack_top(%rip), %rsp
    xor %ebp, %ebp                  /* the end of every backtrace */
    mov %r12, %rdi
    mov %r13, %rsi
    call x86_64_start_kernel
1:  cli
    hlt
    jmp 1b

    .section .data
    .balign 16
boot_scratch_stack:
    .skip 64
boot_scratch_stack_top:

    .section .bss
    .balign 4096
    .globl init_stack, init_stack_top
init_stack:
    .skip THREAD_SIZE
init_stack_top:
