#include <loader/format.h>

namespace lkm {
namespace {

// Appends to a bounded buffer, always leaving room for the terminating NUL.
struct Sink {
    char* buffer;
    size_t size;
    size_t length = 0;

    void put(char c)
    {
        if (length + 1 < size)
            buffer[length++] = c;
    }
    void pad(char c, int count)
    {
        for (int i = 0; i < count; ++i)
            put(c);
    }
};

size_t string_length(const char* s)
{
    size_t n = 0;
    while (s[n])
        ++n;
    return n;
}

// Digits of value in base 10 or 16, most significant first, into digits[]; returns the count.
int to_digits(unsigned long long value, unsigned base, char (&digits)[24])
{
    char reversed[24];
    int n = 0;
    do {
        unsigned d = static_cast<unsigned>(value % base);
        reversed[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
        value /= base;
    } while (value != 0);
    for (int i = 0; i < n; ++i)
        digits[i] = reversed[n - 1 - i];
    return n;
}

void emit_field(Sink& out, const char* text, int length, bool negative, int width, bool left,
                bool zero)
{
    int total = length + (negative ? 1 : 0);
    int padding = width > total ? width - total : 0;
    if (!left && !zero)
        out.pad(' ', padding);
    if (negative)
        out.put('-');
    if (!left && zero)
        out.pad('0', padding);
    for (int i = 0; i < length; ++i)
        out.put(text[i]);
    if (left)
        out.pad(' ', padding);
}

} // namespace

size_t vformat(char* buffer, size_t size, const char* fmt, va_list args)
{
    Sink out { buffer, size };
    for (const char* p = fmt; *p; ++p) {
        if (*p != '%') {
            out.put(*p);
            continue;
        }
        ++p;
        bool left = false, zero = false;
        for (;; ++p) {
            if (*p == '-')
                left = true;
            else if (*p == '0')
                zero = true;
            else
                break;
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(args, int);
            if (width < 0) {
                left = true;
                width = -width;
            }
            ++p;
        }
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        int longs = 0;
        bool size_t_arg = false;
        while (*p == 'l') {
            ++longs;
            ++p;
        }
        if (*p == 'z') {
            size_t_arg = true;
            ++p;
        }
        char digits[24];
        switch (*p) {
        case 's': {
            const char* s = va_arg(args, const char*);
            if (!s)
                s = "(null)";
            emit_field(out, s, static_cast<int>(string_length(s)), false, width, left, false);
            break;
        }
        case 'c': {
            char c = static_cast<char>(va_arg(args, int));
            emit_field(out, &c, 1, false, width, left, false);
            break;
        }
        case 'd':
        case 'i': {
            long long v = size_t_arg ? static_cast<long long>(va_arg(args, size_t))
                : longs >= 2        ? va_arg(args, long long)
                : longs == 1        ? va_arg(args, long)
                                    : va_arg(args, int);
            unsigned long long magnitude = v < 0 ? 0ull - static_cast<unsigned long long>(v)
                                                 : static_cast<unsigned long long>(v);
            int n = to_digits(magnitude, 10, digits);
            emit_field(out, digits, n, v < 0, width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'p': {
            unsigned long long v = *p == 'p' ? reinterpret_cast<unsigned long long>(va_arg(args, void*))
                : size_t_arg                 ? va_arg(args, size_t)
                : longs >= 2                 ? va_arg(args, unsigned long long)
                : longs == 1                 ? va_arg(args, unsigned long)
                                             : va_arg(args, unsigned);
            if (*p == 'p') {
                out.put('0');
                out.put('x');
            }
            int n = to_digits(v, *p == 'u' ? 10 : 16, digits);
            emit_field(out, digits, n, false, width, left, zero);
            break;
        }
        case '%':
            out.put('%');
            break;
        case '\0':
            --p; // a lone '%' at the end: stop at the terminator
            break;
        default: // unknown conversion: print it as written so the mistake is visible
            out.put('%');
            out.put(*p);
            break;
        }
    }
    if (size > 0)
        buffer[out.length] = '\0';
    return out.length;
}

size_t format(char* buffer, size_t size, const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    size_t n = vformat(buffer, size, fmt, args);
    va_end(args);
    return n;
}

Error make_error(int code, const char* reason, const char* context_format, ...)
{
    Error e = Error::from_errno(code, reason);
    va_list args;
    va_start(args, context_format);
    vformat(e.context, sizeof e.context, context_format, args);
    va_end(args);
    return e;
}

} // namespace lkm
