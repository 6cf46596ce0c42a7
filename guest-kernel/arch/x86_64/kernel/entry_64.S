/* Every way into the kernel after boot: the 256 interrupt/exception stubs, the SYSCALL entry, and
 * the way out to ring 3. Each builds a struct pt_regs (asm/ptrace.h) on the kernel stack. */
#include <asm/extable.h>

#define __USER_DS 0x23          /* asm/segment.h */
#define __USER_CS 0x2b
#define PERCPU_KERNEL_STACK 8   /* asm/percpu.h */
#define PERCPU_USER_RSP 16
#define PT_REGS_CS_FROM_VECTOR 24 /* vector, error code, rip, cs */

.macro PUSH_REGS
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rax
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro POP_REGS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rax
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
.endm

    .text
/* One 16-byte slot per vector (idt.cpp computes vector_stubs + 16 * vector). A stub is at most
 * 12 bytes (push imm8, push imm32, jmp rel32), so each fits its slot. Vectors whose exception
 * pushes no error code push a 0, so every frame has the same shape. */
    .balign 16
    .globl vector_stubs
vector_stubs:
    .set vector, 0
    .rept 256
    .balign 16
    .if !(vector == 8 || vector == 10 || vector == 11 || vector == 12 || vector == 13 || vector == 14 || vector == 17 || vector == 21 || vector == 29 || vector == 30)
    pushq $0
    .endif
    pushq $~vector                  /* orig_ax = ~vector < 0: not a system call (no restart) */
    jmp common_interrupt
    .set vector, vector + 1
    .endr

common_interrupt:
    cld
    testb $3, PT_REGS_CS_FROM_VECTOR(%rsp)
    jz 1f
    swapgs                          /* from ring 3: GS to the kernel's per-CPU area */
1:  PUSH_REGS
    mov %rsp, %rdi
    call do_interrupt
    .globl restore_regs_and_return_to_kernel_or_user
restore_regs_and_return_to_kernel_or_user:
    POP_REGS
    add $16, %rsp                   /* vector, error code */
    testb $3, 8(%rsp)               /* CS in the iret frame */
    jz 2f
    swapgs
2:  iretq

/* SYSCALL: RCX = user RIP, R11 = user RFLAGS, RFLAGS masked by MSR_SYSCALL_MASK (IF off), still
 * on the user stack. Switch to the task's kernel stack and build the same pt_regs as an
 * interrupt from ring 3 would. */
    .globl entry_SYSCALL_64
entry_SYSCALL_64:
    swapgs
    mov %rsp, %gs:PERCPU_USER_RSP
    mov %gs:PERCPU_KERNEL_STACK, %rsp
    pushq $__USER_DS                /* ss */
    pushq %gs:PERCPU_USER_RSP       /* rsp */
    pushq %r11                      /* rflags */
    pushq $__USER_CS                /* cs */
    pushq %rcx                      /* rip */
    pushq $0                        /* error code */
    pushq %rax                      /* orig_ax: the system call number */
    PUSH_REGS
    mov %rsp, %rdi
    call do_syscall_64
    /* do_syscall_64 says whether SYSRET is safe (a non-canonical RCX would make SYSRET #GP in
     * ring 0 with the user's RSP); if not, leave through IRET like an interrupt. */
    test %al, %al
    jz restore_regs_and_return_to_kernel_or_user
    /* SYSRET back: RCX = RIP, R11 = RFLAGS. */
    POP_REGS
    add $16, %rsp
    mov 0(%rsp), %rcx
    mov 16(%rsp), %r11
    mov 24(%rsp), %rsp
    swapgs
    sysretq

/* void enter_user_mode(struct pt_regs *regs): start a task in ring 3 from a prepared frame
 * (the frame must sit at the top of the task's kernel stack). */
    .globl enter_user_mode
enter_user_mode:
    mov %rdi, %rsp
    jmp restore_regs_and_return_to_kernel_or_user
