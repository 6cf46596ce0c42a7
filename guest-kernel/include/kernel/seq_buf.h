// Text built into a caller's buffer for a /proc file's show function (register_proc_file):
// printf appends like Linux's seq_printf and counts the full length even when buf is too small,
// so show can return the size it needs (snprintf's contract).
#pragma once

#include <kernel/types.h>
#include <kernel/vsprintf.h>

#include <stdarg.h>

struct seq_buf {
    char* buf;
    size_t size;
    size_t length = 0;

    __attribute__((format(printf, 2, 3))) void printf(const char* fmt, ...)
    {
        va_list args;
        va_start(args, fmt);
        char* at = length < size ? buf + length : nullptr;
        int n = vsnprintf(at, at ? size - length : 0, fmt, args);
        va_end(args);
        if (n > 0)
            length += static_cast<size_t>(n);
    }
};
