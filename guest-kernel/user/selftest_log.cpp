#include "selftest_log.h"
#include "syscall.h"

#include <lkmemu/fcntl.h>

namespace init {

selftest_line& selftest_line::add(const char* s)
{
    for (; *s && length + 1 < sizeof(text); s++)
        text[length++] = *s;
    text[length] = 0;
    return *this;
}

selftest_line& selftest_line::add_number(long value)
{
    char digits[24];
    size_t n = 0;
    unsigned long v = value < 0 ? 0ul - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    if (value < 0)
        digits[n++] = '-';
    char in_order[24];
    for (size_t i = 0; i < n; i++)
        in_order[i] = digits[n - 1 - i];
    in_order[n] = 0;
    return add(in_order);
}

selftest_line& selftest_line::add_hex(const unsigned char* bytes, size_t n)
{
    static constexpr char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n && length + 2 < sizeof(text); i++) {
        text[length++] = hex[bytes[i] >> 4];
        text[length++] = hex[bytes[i] & 15];
    }
    text[length] = 0;
    return *this;
}

selftest_log::selftest_log(const char* prefix) : m_prefix(prefix)
{
    long fd = sys::open("/dev/kmsg", LKM_O_WRONLY);
    m_fd = fd < 0 ? -1 : static_cast<int>(fd);
}

selftest_log::~selftest_log()
{
    if (m_fd >= 0)
        sys::close(m_fd);
}

void selftest_log::say(const selftest_line& text)
{
    selftest_line line;
    line.add(m_prefix).add(": ").add(text.text).add("\n");
    if (m_fd >= 0)
        sys::write(m_fd, line.text, line.length);
}

void selftest_log::say(const char* text)
{
    selftest_line line;
    line.add(text);
    say(line);
}

bool selftest_log::check(const char* name, bool ok, const char* detail, long value)
{
    selftest_line line;
    line.add(name);
    if (ok) {
        line.add(" ok");
        m_passed++;
    } else {
        line.add(" FAILED (");
        if (detail && *detail)
            line.add(detail).add(" ");
        line.add_number(value).add(")");
        m_failed++;
    }
    say(line);
    return ok;
}

void selftest_log::done()
{
    selftest_line line;
    line.add("selftest done, ").add_number(m_passed).add(" passed, ").add_number(m_failed).add(" failed");
    say(line);
}

} // namespace init
