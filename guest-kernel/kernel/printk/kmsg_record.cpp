// The /dev/kmsg record format (Documentation/ABI/testing/dev-kmsg): a log line as stored,
// "<level>[seconds.micros] text\n", becomes "level,seq,microseconds,-;text\n". Pure, so the
// host's unit tests build it too.
#include <kernel/printk.h>

namespace {

// A bounded writer that keeps counting past the end, as snprintf does.
struct Out {
    char* buffer;
    size_t size;
    size_t length = 0;
    void put(char c)
    {
        if (length < size)
            buffer[length] = c;
        length++;
    }
    void put_number(u64 value)
    {
        char digits[20];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value);
        while (n)
            put(digits[--n]);
    }
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

} // namespace

size_t kmsg_format_record(const char* stored, size_t length, u64 seq, char* buffer, size_t size)
{
    if (length && stored[length - 1] == '\n')
        length--;
    size_t at = 0;
    u64 level = 0;
    if (length >= 3 && stored[0] == '<' && is_digit(stored[1]) && stored[2] == '>') {
        level = static_cast<u64>(stored[1] - '0');
        at = 3;
    }
    // "[    1.234567] ": seconds and microseconds.
    u64 seconds = 0, micros = 0;
    if (at < length && stored[at] == '[') {
        size_t i = at + 1;
        while (i < length && stored[i] == ' ')
            i++;
        while (i < length && is_digit(stored[i]))
            seconds = seconds * 10 + static_cast<u64>(stored[i++] - '0');
        if (i < length && stored[i] == '.')
            i++;
        while (i < length && is_digit(stored[i]))
            micros = micros * 10 + static_cast<u64>(stored[i++] - '0');
        if (i < length && stored[i] == ']') {
            at = i + 1;
            if (at < length && stored[at] == ' ')
                at++;
        }
    }
    Out out { buffer, size };
    out.put_number(level);
    out.put(',');
    out.put_number(seq);
    out.put(',');
    out.put_number(seconds * 1000000 + micros);
    out.put(',');
    out.put('-');
    out.put(';');
    constexpr char hex[] = "0123456789abcdef";
    for (; at < length; at++) {
        auto c = static_cast<unsigned char>(stored[at]);
        if (c < ' ' || c >= 127 || c == '\\') {
            out.put('\\');
            out.put('x');
            out.put(hex[c >> 4]);
            out.put(hex[c & 15]);
        } else {
            out.put(static_cast<char>(c));
        }
    }
    out.put('\n');
    return out.length;
}
