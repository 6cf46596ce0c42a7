// The exception table: pairs of (faulting instruction, fixup) addresses. An instruction that may
// fault on purpose (a user copy, a probe) is listed here; when it faults in kernel mode the trap
// handler resumes at the fixup instead of oopsing. Entries are 32-bit offsets relative to the
// entry's own fields, as Linux's, so the table needs no relocations (and moving an entry, as
// sorting does, means rebasing its offsets).
#pragma once

#ifndef __ASSEMBLER__
#include <kernel/types.h>

struct exception_table_entry {
    s32 insn;
    s32 fixup;
};

inline u64 ex_insn_addr(const exception_table_entry* e) { return reinterpret_cast<u64>(&e->insn) + static_cast<s64>(e->insn); }
inline u64 ex_fixup_addr(const exception_table_entry* e) { return reinterpret_cast<u64>(&e->fixup) + static_cast<s64>(e->fixup); }
#else
#define _ASM_EXTABLE(from, to)                                                                     \
    .pushsection __ex_table, "a";                                                                  \
    .balign 4;                                                                                     \
    .long (from) - .;                                                                              \
    .long (to) - .;                                                                                \
    .popsection
#endif
