// Exception tables (entries come from _ASM_EXTABLE in asm/extable.h). As Linux's: a table is
// sorted by instruction address once (lib/extable.cpp's sort_extable) and then binary-searched
// (search_extable). The kernel's own table is __ex_table (kernel/extable.cpp); a module's table
// would be sorted when the module is laid out and searched after the kernel's.
#pragma once

#include <asm/extable.h>
#include <asm/ptrace.h>
#include <kernel/types.h>

// lib/extable.cpp: any table, kernel's or module's.
void sort_extable(exception_table_entry* start, exception_table_entry* finish);
// The entry for the instruction at value in a table sorted by sort_extable, or nullptr.
const exception_table_entry* search_extable(const exception_table_entry* base, size_t num, u64 value);

// kernel/extable.cpp: the kernel's table.
void sort_main_extable(); // at boot, while the kernel's rodata is still writable
// The entry for the instruction at addr in any exception table, or nullptr: whether it is one of
// the instructions allowed to fault.
const exception_table_entry* search_exception_tables(u64 addr);
// If regs->rip is a listed instruction, move regs->rip to its fixup, count the fixup under its
// vector and return true. The caller (the trap handler) then simply returns.
bool fixup_exception(pt_regs* regs, unsigned vector);
// How many faults of this vector were fixed up so far (the fault self-test reads it).
u64 extable_fixup_count(unsigned vector);
