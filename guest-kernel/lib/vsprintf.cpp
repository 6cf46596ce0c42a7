// printf-style formatting for printk and snprintf. Pure code with no kernel dependencies, so the
// host unit tests compile this file as is (tests/kernel/vsprintf_test.cpp).
#include <kernel/vsprintf.h>

namespace {

vsprintf_symbolizer g_symbolizer = nullptr;

// Appends to a bounded buffer and counts what would have been written, as vsnprintf must.
struct Sink {
    char* buf;
    size_t size;
    size_t length = 0;

    void put(char c)
    {
        if (length + 1 < size)
            buf[length] = c;
        length++;
    }
    void pad(char c, int count)
    {
        while (count-- > 0)
            put(c);
    }
};

struct Spec {
    bool left = false;
    bool zero = false;
    bool alternate = false; // '#': 0x before hex digits, 0 before octal
    int width = 0;
    int precision = -1;
};

void put_string(Sink& out, const char* s, const Spec& spec)
{
    if (!s)
        s = "(null)";
    int len = 0;
    while (s[len] && (spec.precision < 0 || len < spec.precision))
        len++;
    if (!spec.left)
        out.pad(' ', spec.width - len);
    for (int i = 0; i < len; i++)
        out.put(s[i]);
    if (spec.left)
        out.pad(' ', spec.width - len);
}

void put_number(Sink& out, u64 value, bool negative, unsigned base, bool upper, const Spec& spec)
{
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[value % base];
        value /= base;
    } while (value);
    const char* prefix = !spec.alternate ? "" : base == 16 ? (upper ? "0X" : "0x") : base == 8 ? "0" : "";
    int prefix_len = 0;
    while (prefix[prefix_len])
        prefix_len++;
    int len = n + (negative ? 1 : 0) + prefix_len;
    if (!spec.left && !spec.zero)
        out.pad(' ', spec.width - len);
    if (negative)
        out.put('-');
    for (int i = 0; i < prefix_len; i++)
        out.put(prefix[i]);
    if (!spec.left && spec.zero)
        out.pad('0', spec.width - len);
    while (n)
        out.put(tmp[--n]);
    if (spec.left)
        out.pad(' ', spec.width - len);
}

} // namespace

void vsprintf_set_symbolizer(vsprintf_symbolizer fn) { g_symbolizer = fn; }

int vsnprintf(char* buf, size_t size, const char* fmt, va_list args)
{
    Sink out { buf, size };
    for (const char* p = fmt; *p; p++) {
        if (*p != '%') {
            out.put(*p);
            continue;
        }
        p++;
        Spec spec;
        for (;; p++) {
            if (*p == '-')
                spec.left = true;
            else if (*p == '#')
                spec.alternate = true;
            else if (*p == '0')
                spec.zero = true;
            else
                break;
        }
        if (*p == '*') {
            spec.width = va_arg(args, int);
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                spec.width = spec.width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            p++;
            spec.precision = 0;
            if (*p == '*') {
                spec.precision = va_arg(args, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    spec.precision = spec.precision * 10 + (*p++ - '0');
            }
        }
        int longness = 0; // -2 hh, -1 h, 0 int, 1 long, 2 long long / size_t
        for (;; p++) {
            if (*p == 'l')
                longness++;
            else if (*p == 'z')
                longness = 2;
            else if (*p == 'h')
                longness--;
            else
                break;
        }
        auto get_unsigned = [&]() -> u64 {
            if (longness >= 1)
                return longness == 1 ? va_arg(args, unsigned long) : va_arg(args, unsigned long long);
            unsigned v = va_arg(args, unsigned);
            return longness == -1 ? static_cast<u16>(v) : longness <= -2 ? static_cast<u8>(v) : v;
        };
        auto get_signed = [&]() -> s64 {
            if (longness >= 1)
                return longness == 1 ? va_arg(args, long) : va_arg(args, long long);
            int v = va_arg(args, int);
            return longness == -1 ? static_cast<s16>(v) : longness <= -2 ? static_cast<s8>(v) : v;
        };
        switch (*p) {
        case 'd':
        case 'i': {
            s64 v = get_signed();
            u64 magnitude = v < 0 ? 0 - static_cast<u64>(v) : static_cast<u64>(v);
            put_number(out, magnitude, v < 0, 10, false, spec);
            break;
        }
        case 'u':
            put_number(out, get_unsigned(), false, 10, false, spec);
            break;
        case 'x':
        case 'X':
            put_number(out, get_unsigned(), false, 16, *p == 'X', spec);
            break;
        case 'o':
            put_number(out, get_unsigned(), false, 8, false, spec);
            break;
        case 'c':
            if (!spec.left)
                out.pad(' ', spec.width - 1);
            out.put(static_cast<char>(va_arg(args, int)));
            if (spec.left)
                out.pad(' ', spec.width - 1);
            break;
        case 's':
            put_string(out, va_arg(args, const char*), spec);
            break;
        case 'p': {
            u64 address = reinterpret_cast<uintptr_t>(va_arg(args, void*));
            if (p[1] == 'S') {
                p++;
                char symbol[128];
                if (g_symbolizer && g_symbolizer(symbol, sizeof(symbol), address)) {
                    put_string(out, symbol, spec);
                    break;
                }
                Spec hex;
                hex.alternate = true;
                put_number(out, address, false, 16, false, hex);
                break;
            }
            Spec hex;
            hex.left = spec.left;
            hex.zero = true;
            hex.width = 16;
            put_number(out, address, false, 16, false, hex);
            break;
        }
        case '%':
            out.put('%');
            break;
        case '\0':
            p--; // a lone '%' at the end: print nothing for it and stop
            break;
        default:
            // An unknown conversion is printed as written, so the mistake is visible in the log.
            out.put('%');
            out.put(*p);
            break;
        }
    }
    if (size)
        buf[out.length < size ? out.length : size - 1] = '\0';
    return static_cast<int>(out.length);
}

int snprintf(char* buf, size_t size, const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(buf, size, fmt, args);
    va_end(args);
    return n;
}
