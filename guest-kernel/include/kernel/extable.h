// Exception-table fixups (kernel/extable.cpp; entries come from _ASM_EXTABLE in asm/extable.h).
#pragma once

#include <asm/ptrace.h>
#include <kernel/types.h>

// Whether the instruction at rip is listed (one of the uaccess instructions allowed to fault).
bool search_exception_tables(u64 rip);
// If regs->rip is a listed instruction, move regs->rip to its fixup, count the fixup under its
// vector and return true. The caller (the trap handler) then simply returns.
bool fixup_exception(pt_regs* regs, unsigned vector);
// How many faults of this vector were fixed up so far (the fault self-test reads it).
u64 extable_fixup_count(unsigned vector);
