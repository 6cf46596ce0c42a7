/* long module_call(u64 fn, struct module_call_frame *frame, u64 stack_top)
 *
 * Calls fn() -- a module's init, exit or constructor -- on a stack of its own, whose top is
 * stack_top, after recording a recovery point in frame: the callee-saved registers, the stack
 * pointer at the call (on the caller's stack), the address the call returns to and RFLAGS. If
 * the call faults, the trap handler prints the oops and then module_fault_recovery
 * (module_call.cpp) loads these registers into the interrupted frame with RAX = -EFAULT, so the
 * IRET lands on label 1 below, back on the caller's stack, as if fn had returned -EFAULT; the
 * module's stack is simply abandoned. Either way the caller's registers are reloaded from frame.
 * Layout of frame: rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags (struct module_call_frame).
 *
 * fn starts MODULE_CALL_PAD bytes below stack_top; the pad is zero (the stack comes zeroed), so
 * code that returns or pops more than it pushed (a relocation gone wrong) runs into it and faults
 * at RIP 0, and cannot unwind into the caller's frames, which are on another stack; nor can a
 * `leave`, since RBP points at the module's stack too. */
#define MODULE_CALL_PAD 512 /* a multiple of 16: fn is entered with the ABI's stack alignment */

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
    leaq -MODULE_CALL_PAD(%rdx), %rsp
    /* A copy of module_call's own frame record on the module's stack, and RBP pointing at it: the
     * unwinder's frame chain still reaches the caller, but a module that restores RSP from RBP
     * (a `leave` with no frame of its own) lands on its own stack, not in the caller's frames. */
    pushq 8(%rbp)
    pushq 0(%rbp)
    movq %rsp, %rbp
    call *%rdi
    /* Returned (or resumed here by a recovery, with RSP the recorded one). A module function
     * that returned through a damaged path (a jump into the middle of a kernel function) may
     * have clobbered the callee-saved registers, RBP included, or left DF or IF changed:
     * everything the caller relies on comes back from the frame, which is found through the
     * current task, not through any register the module had. */
1:  pushq %rax
    pushq %rax /* the ABI's stack alignment for the call */
    call module_call_current_frame
    movq %rax, %rsi
    popq %rax
    popq %rax
    movq 0(%rsi), %rbx
    movq 16(%rsi), %r12
    movq 24(%rsi), %r13
    movq 32(%rsi), %r14
    movq 40(%rsi), %r15
    movq 48(%rsi), %rsp /* back on the caller's stack */
    movq 8(%rsi), %rbp
    pushq 64(%rsi)
    popfq
    popq %rbp
    ret
    .size module_call, . - module_call
