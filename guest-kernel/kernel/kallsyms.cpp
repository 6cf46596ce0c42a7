// The kernel's embedded symbol table (generated into the .kallsyms section at link time).
#include <kernel/kallsyms.h>
#include <kernel/module.h>
#include <kernel/vsprintf.h>

extern "C" {
extern const u64 kallsyms_num_syms;
extern const u64 kallsyms_addresses[];
extern const u32 kallsyms_sizes[];
extern const u32 kallsyms_name_offsets[];
extern const char kallsyms_names[];
}

namespace {

kallsyms_table kernel_table()
{
    return { kallsyms_num_syms, kallsyms_addresses, kallsyms_sizes, kallsyms_name_offsets, kallsyms_names };
}

} // namespace

bool kallsyms_lookup(u64 address, kallsyms_symbol* out) { return kallsyms_lookup_in(kernel_table(), address, out); }
u64 kallsyms_lookup_name(const char* name) { return kallsyms_lookup_name_in(kernel_table(), name); }
// Module addresses first: the kernel's last symbol must not claim the module area.
size_t sprint_symbol(char* buf, size_t size, u64 address)
{
    if (is_module_address(address))
        return module_sprint_symbol(buf, size, address, false);
    return sprint_symbol_in(kernel_table(), buf, size, address);
}
size_t sprint_backtrace(char* buf, size_t size, u64 return_address)
{
    if (is_module_address(return_address - 1))
        return module_sprint_symbol(buf, size, return_address, true);
    return sprint_backtrace_in(kernel_table(), buf, size, return_address);
}
void kallsyms_init() { vsprintf_set_symbolizer(sprint_symbol); }
