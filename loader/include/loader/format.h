// A small printf for freestanding code: enough to put "which section, which offset, which symbol"
// into an Error's context without libc. Supports %s %c %d %i %u %x %p %% with the length
// modifiers l, ll and z, the flags '-' and '0', and a field width (number or '*').
// Output is always NUL-terminated and silently truncated to the buffer.
#pragma once

#include <loader/error_or.h>
#include <stdarg.h>
#include <stddef.h>

namespace lkm {

// Returns the number of characters written, excluding the NUL.
size_t vformat(char* buffer, size_t size, const char* format, va_list args);
size_t format(char* buffer, size_t size, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

// An Error whose context is formatted: make_error(LKM_ENOEXEC, "relocation overflow",
// "%s at %s+0x%llx", ...).
Error make_error(int code, const char* reason, const char* context_format, ...)
    __attribute__((format(printf, 3, 4)));

} // namespace lkm
