// The register frame every kernel entry (exception, interrupt, syscall) builds on the kernel stack.
// The order matches the pushes in arch/x86_64/kernel/entry_64.S; keep the two in step.
#pragma once

#include <kernel/types.h>

struct pt_regs {
    u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
    u64 orig_ax;    // the system call number, or ~vector (negative) for an exception/interrupt
    u64 error_code; // the CPU's error code, 0 for vectors that push none
    // Pushed by the CPU (or by the SYSCALL entry, which builds the same frame).
    u64 rip, cs, rflags, rsp, ss;
};

inline bool user_mode(const pt_regs* regs) { return (regs->cs & 3) != 0; }
