// Symbol lookups over a kallsyms table. No kernel dependencies: the host tests compile this file.
#include <kernel/kallsyms.h>
#include <kernel/vsprintf.h>

bool kallsyms_lookup_in(const kallsyms_table& table, u64 address, kallsyms_symbol* out)
{
    // The last symbol starting at or below address.
    u64 low = 0, high = table.count;
    while (low < high) {
        u64 middle = low + (high - low) / 2;
        if (table.addresses[middle] <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return false;
    u64 i = low - 1;
    u64 start = table.addresses[i];
    if (address - start >= table.sizes[i])
        return false; // in a gap between symbols
    *out = { table.names + table.name_offsets[i], start, table.sizes[i], address - start };
    return true;
}

u64 kallsyms_lookup_name_in(const kallsyms_table& table, const char* name)
{
    for (u64 i = 0; i < table.count; i++) {
        const char* candidate = table.names + table.name_offsets[i];
        size_t j = 0;
        while (candidate[j] && candidate[j] == name[j])
            j++;
        if (candidate[j] == name[j])
            return table.addresses[i];
    }
    return 0;
}

size_t sprint_symbol_in(const kallsyms_table& table, char* buf, size_t size, u64 address)
{
    kallsyms_symbol symbol;
    if (!kallsyms_lookup_in(table, address, &symbol)) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    int n = snprintf(buf, size, "%s+%#lx/%#lx", symbol.name, symbol.offset, symbol.size);
    return n < 0 ? 0 : min(static_cast<size_t>(n), size ? size - 1 : 0);
}

size_t sprint_backtrace_in(const kallsyms_table& table, char* buf, size_t size, u64 return_address)
{
    // A call that never returns may be the last instruction of its function, so its return
    // address can point past the end (into the next symbol). Look the call itself up instead.
    kallsyms_symbol symbol;
    if (return_address == 0 || !kallsyms_lookup_in(table, return_address - 1, &symbol)) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    int n = snprintf(buf, size, "%s+%#lx/%#lx", symbol.name, symbol.offset + 1, symbol.size);
    return n < 0 ? 0 : min(static_cast<size_t>(n), size ? size - 1 : 0);
}
