/* init's entry point: RSP points at argc (System V ABI initial stack). */
    .section .text.start, "ax"
    .globl _start
_start:
    xor %ebp, %ebp
    mov %rsp, %rdi                  /* const long *initial_stack */
    and $-16, %rsp
    call init_main
    ud2
