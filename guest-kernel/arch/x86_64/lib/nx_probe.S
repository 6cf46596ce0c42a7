/* long nx_probe_call(void): calls into a data page. With W^X working the instruction fetch faults
 * (#PF, NX) and the exception table resumes at the fixup, which returns -EFAULT to the caller;
 * if the data page were executable, its "xor %eax,%eax; ret" would return 0. */
#include <asm/extable.h>

#define EFAULT 14

    .section .data
    .globl nx_probe_target
nx_probe_target:
    xor %eax, %eax
    ret
    _ASM_EXTABLE(nx_probe_target, nx_probe_fixup)

    .text
    .globl nx_probe_call
nx_probe_call:
    lea nx_probe_target(%rip), %rax
    call *%rax
    ret
nx_probe_fixup:
    /* Entered in place of nx_probe_target: the stack still holds the call's return address. */
    mov $-EFAULT, %rax
    ret
