// printf-style formatting (lib/vsprintf.cpp), the subset the kernel uses:
//   %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '#' (0x prefix, counted in the width), a width, a precision for %s, and the length
//   modifiers hh h l ll z. %pS prints a kernel text address as symbol+0xoff/0xsize (kallsyms).
// Output is always NUL-terminated (size > 0); the return value is the length the whole output
// would have had, as C's vsnprintf.
#pragma once

#include <kernel/types.h>
#include <stdarg.h>

// Resolves an address for %pS; returns the number of characters written into buf (0: no symbol).
using vsprintf_symbolizer = size_t (*)(char* buf, size_t size, u64 address);
void vsprintf_set_symbolizer(vsprintf_symbolizer fn);

int vsnprintf(char* buf, size_t size, const char* fmt, va_list args);
__attribute__((format(printf, 3, 4))) int snprintf(char* buf, size_t size, const char* fmt, ...);
