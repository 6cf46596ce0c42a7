// The kernel's exception table (Linux's kernel/extable.c): __ex_table, as the linker gathered it
// from every object, sorted once at boot and then binary-searched on each kernel-mode fault.
#include <asm/desc.h>
#include <asm/page.h>
#include <kernel/extable.h>

extern "C" exception_table_entry __start___ex_table[], __stop___ex_table[];

namespace {

u64 g_fixups[FIRST_EXTERNAL_VECTOR]; // per exception vector

} // namespace

// Through the table's physical alias (the boot page tables' identity map): the kernel's own
// mapping of its rodata is read-only from the first instruction, the alias until paging_init.
// Sorting at another address is the same sort, since every entry is relative to itself.
void sort_main_extable()
{
    auto* start = static_cast<exception_table_entry*>(__va(__pa(__start___ex_table)));
    sort_extable(start, start + (__stop___ex_table - __start___ex_table));
}

// Linux's search_exception_tables: the kernel's table, then each module's. Modules carry no
// __ex_table yet; when they do, their sorted tables are searched here after the kernel's.
const exception_table_entry* search_exception_tables(u64 addr)
{
    return search_extable(__start___ex_table, static_cast<size_t>(__stop___ex_table - __start___ex_table), addr);
}

bool fixup_exception(pt_regs* regs, unsigned vector)
{
    const exception_table_entry* e = search_exception_tables(regs->rip);
    if (!e)
        return false;
    regs->rip = ex_fixup_addr(e);
    if (vector < FIRST_EXTERNAL_VECTOR)
        g_fixups[vector]++;
    return true;
}

u64 extable_fixup_count(unsigned vector) { return vector < FIRST_EXTERNAL_VECTOR ? g_fixups[vector] : 0; }
