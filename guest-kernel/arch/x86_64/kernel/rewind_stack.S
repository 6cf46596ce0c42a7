/* void rewind_stack_and_make_dead(int signr, u64 stack_pointer)  (Linux's, in its entry_64.S)
 *
 * An oopsed task dies on a clean stack: stack_pointer is the top of its kernel stack below the
 * pt_regs of its entry from ring 3, whatever stack the oops ran on (the task's own, possibly
 * overflowed; a module call's, freed as the task dies; the #DF IST stack). Every frame below is
 * abandoned; make_task_dead (kernel/traps.cpp) does not return. */
    .text
    .globl rewind_stack_and_make_dead
    .type rewind_stack_and_make_dead, @function
rewind_stack_and_make_dead:
    andq $-16, %rsi
    movq %rsi, %rsp
    xorl %ebp, %ebp /* the backtrace ends here */
    call make_task_dead
    ud2
    .size rewind_stack_and_make_dead, . - rewind_stack_and_make_dead
