// What every init_test=NAME self-test (user/selftest_*.cpp) prints: one line per check to
// /dev/kmsg, "PREFIX: NAME ok" or "PREFIX: NAME FAILED (DETAIL VALUE)", which an integration
// test (tests/integration/NAME_test.cpp) compares line by line, and a count of each.
#pragma once

#include <stddef.h>

#include "syscall.h"

namespace init {

// A line under construction, cut at its capacity.
struct selftest_line {
    char text[256];
    size_t length = 0;

    selftest_line& add(const char* s);
    selftest_line& add_number(long value); // decimal, with a '-' when negative
    selftest_line& add_hex(const unsigned char* bytes, size_t n);
};

// The self-tests' raw system call: any number, any arguments, the result as the kernel gave it.
inline long sc(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0)
{
    return sys::syscall(nr, a, b, c, d, e, f);
}

class selftest_log {
public:
    explicit selftest_log(const char* prefix); // opens /dev/kmsg for writing
    ~selftest_log();                           // and closes it
    selftest_log(const selftest_log&) = delete;
    selftest_log& operator=(const selftest_log&) = delete;

    void say(const char* text);         // "PREFIX: text"
    void say(const selftest_line& line); // "PREFIX: " and the line
    // One check's line; detail (may be null) and value say what was seen when it failed.
    bool check(const char* name, bool ok, const char* detail = nullptr, long value = 0);
    // "PREFIX: selftest done, N passed, M failed"
    void done();

    unsigned passed() const { return m_passed; }
    unsigned failed() const { return m_failed; }
    int fd() const { return m_fd; }

private:
    const char* m_prefix;
    int m_fd;
    unsigned m_passed = 0, m_failed = 0;
};

} // namespace init
