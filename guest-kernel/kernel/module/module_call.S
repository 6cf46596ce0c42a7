/* long module_call(u64 fn, struct module_call_frame *frame)
 *
 * Calls fn() -- a module's init, exit or constructor -- after recording a recovery point in
 * frame: the callee-saved registers, the stack pointer at the call, the address the call
 * returns to and RFLAGS. If the call faults, the trap handler prints the oops and then
 * module_fault_recovery (module_call.cpp) loads these registers into the interrupted frame with
 * RAX = -EFAULT, so the IRET lands on label 1 below as if fn had returned -EFAULT.
 * Layout of frame: rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags (struct module_call_frame). */
    .text
    .globl module_call
    .type module_call, @function
module_call:
    pushq %rbp
    movq %rsp, %rbp
    movq %rbx, 0(%rsi)
    movq %rbp, 8(%rsi)
    movq %r12, 16(%rsi)
    movq %r13, 24(%rsi)
    movq %r14, 32(%rsi)
    movq %r15, 40(%rsi)
    movq %rsp, 48(%rsi)
    leaq 1f(%rip), %rax
    movq %rax, 56(%rsi)
    pushfq
    popq 64(%rsi)
    call *%rdi
1:  popq %rbp
    ret
    .size module_call, . - module_call
