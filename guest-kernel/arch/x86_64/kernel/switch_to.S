/* The context switch's register half (Linux's __switch_to_asm), and where a new task starts.
 *
 * struct task_struct *__switch_to_asm(u64 *prev_sp, u64 next_sp, struct task_struct *prev)
 * pushes the callee-saved registers on the current (prev's) stack, stores RSP in *prev_sp, loads
 * next_sp and pops next's, and returns prev: in the task switched in, the call that switched it
 * out returns the task that ran just before it. The frame (struct inactive_task_frame,
 * process_64.cpp) is r15, r14, r13, r12, rbx, rbp, return address. */
    .text
    .globl __switch_to_asm
    .type __switch_to_asm, @function
__switch_to_asm:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    movq %rdx, %rax
    ret
    .size __switch_to_asm, . - __switch_to_asm

/* A new task's first switch-in returns here (copy_thread put the address in its frame, fn in
 * RBX, arg in R12): finish the switch (RAX is the task switched from), then fn(arg) with
 * interrupts on. fn does not return; RBP is 0, the end of every backtrace. */
    .globl ret_from_fork
    .type ret_from_fork, @function
ret_from_fork:
    movq %rax, %rdi
    call schedule_tail
    movq %r12, %rdi
    call *%rbx
    ud2
    .size ret_from_fork, . - ret_from_fork
