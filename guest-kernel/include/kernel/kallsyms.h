// kallsyms: the kernel's own symbol table, generated at build time (scripts/gen_kallsyms.py,
// a two-pass link as Linux's) and embedded in the image, for oops backtraces and %pS.
#pragma once

#include <kernel/types.h>

// The table's layout (the generated .kallsyms section). Addresses are sorted ascending; sizes
// come from the ELF symbol (or the distance to the next symbol when the symbol has none).
struct kallsyms_table {
    u64 count;
    const u64* addresses;
    const u32* sizes;
    const u32* name_offsets;
    const char* names;
};

struct kallsyms_symbol {
    const char* name;
    u64 address;
    u64 size;
    u64 offset; // of the looked-up address from the symbol's start
};

// Pure lookups over a table (kernel/kallsyms_lookup.cpp, unit-tested on the host).
bool kallsyms_lookup_in(const kallsyms_table& table, u64 address, kallsyms_symbol* out);
u64 kallsyms_lookup_name_in(const kallsyms_table& table, const char* name); // 0 if absent
// "name+0xoff/0xsize" into buf; returns its length, 0 (and buf empty) if no symbol covers address.
size_t sprint_symbol_in(const kallsyms_table& table, char* buf, size_t size, u64 address);
// The same for a return address on the stack: symbolized by the call before it (Linux's %pB).
size_t sprint_backtrace_in(const kallsyms_table& table, char* buf, size_t size, u64 return_address);

// The same over the kernel's embedded table.
bool kallsyms_lookup(u64 address, kallsyms_symbol* out);
u64 kallsyms_lookup_name(const char* name);
size_t sprint_symbol(char* buf, size_t size, u64 address);
size_t sprint_backtrace(char* buf, size_t size, u64 return_address);
void kallsyms_init(); // makes %pS use the table
