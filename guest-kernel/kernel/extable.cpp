#include <asm/extable.h>
#include <kernel/extable.h>

extern "C" const exception_table_entry __start___ex_table[], __stop___ex_table[];

namespace {

u64 g_fixups[32];

u64 entry_address(const s32* field) { return reinterpret_cast<u64>(field) + static_cast<s64>(*field); }

} // namespace

bool search_exception_tables(u64 rip)
{
    for (const exception_table_entry* e = __start___ex_table; e < __stop___ex_table; e++) {
        if (entry_address(&e->insn) == rip)
            return true;
    }
    return false;
}

bool fixup_exception(pt_regs* regs, unsigned vector)
{
    for (const exception_table_entry* e = __start___ex_table; e < __stop___ex_table; e++) {
        if (entry_address(&e->insn) != regs->rip)
            continue;
        regs->rip = entry_address(&e->fixup);
        if (vector < 32)
            g_fixups[vector]++;
        return true;
    }
    return false;
}

u64 extable_fixup_count(unsigned vector) { return vector < 32 ? g_fixups[vector] : 0; }
