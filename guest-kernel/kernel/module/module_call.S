/* long module_call(u64 fn, struct module_call_frame *frame)
 *
 * Calls fn() -- a module's init, exit or constructor -- after recording a recovery point in
 * frame: the callee-saved registers, the stack pointer at the call, the address the call
 * returns to and RFLAGS. If the call faults, the trap handler prints the oops and then
 * module_fault_recovery (module_call.cpp) loads these registers into the interrupted frame with
 * RAX = -EFAULT, so the IRET lands on label 1 below as if fn had returned -EFAULT.
 * Layout of frame: rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags (struct module_call_frame).
 *
 * Between the recovery point and fn's frame lie MODULE_CALL_PAD zeroed bytes: code that returns
 * or pops more than it pushed (a relocation gone wrong) runs into them and faults at RIP 0 with
 * its stack pointer still below the recovery point, so the oops's own frame cannot overwrite the
 * return into the kernel (module_fault_recovery refuses a fault whose RSP is above it). */
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
    subq $MODULE_CALL_PAD, %rsp
    movq %rdi, %rdx
    movq %rsp, %rdi
    movl $(MODULE_CALL_PAD / 8), %ecx
    xorl %eax, %eax
    rep stosq
    call *%rdx
1:  movq %rbp, %rsp /* drops the pad; after a recovery RBP is the recorded one */
    popq %rbp
    ret
    .size module_call, . - module_call
