// The kernel's printf formatter (guest-kernel/lib/vsprintf.cpp), compiled for the host.
#include <catch2/catch.hpp>

#include <string>

#define vsnprintf kernel_vsnprintf
#define snprintf kernel_snprintf
#include <kernel/vsprintf.h>

namespace {

#pragma clang diagnostic ignored "-Wformat-security"
template<typename... Args> std::string format(const char* fmt, Args... args)
{
    char buf[256];
    snprintf(buf, sizeof(buf), fmt, args...);
    return buf;
}

size_t fake_symbolizer(char* buf, size_t size, u64 address)
{
    if (address != 0xffffffff80001234ull)
        return 0;
    return static_cast<size_t>(snprintf(buf, size, "start_kernel+0x34/0x100"));
}

} // namespace

TEST_CASE("integers in every base and width")
{
    CHECK(format("%d %i %u", -42, 7, 3000000000u) == "-42 7 3000000000");
    CHECK(format("%x %X %o", 0xbeefu, 0xbeefu, 8u) == "beef BEEF 10");
    CHECK(format("%lx", 0xffffffff80000000ul) == "ffffffff80000000");
    CHECK(format("%ld", -9223372036854775807l - 1) == "-9223372036854775808");
    CHECK(format("%zu", static_cast<size_t>(123)) == "123");
    CHECK(format("%hhu %hu", 0x1ff, 0x1ffff) == "255 65535");
}

TEST_CASE("flags: width, zero padding, left alignment, 0x prefix")
{
    CHECK(format("[%5lu.%06lu]", 1ul, 42ul) == "[    1.000042]");
    CHECK(format("%016lx", 0x1234ul) == "0000000000001234");
    CHECK(format("%-6d|", 42) == "42    |");
    CHECK(format("%04x", 2u) == "0002");
    CHECK(format("%#x %#lx", 0x10u, 0ul) == "0x10 0x0");
    CHECK(format("%#018lx", 0x1000ul) == "0x0000000000001000");
    CHECK(format("%05d", -42) == "-0042");
}

TEST_CASE("strings, characters, precision")
{
    CHECK(format("%s=%c", "loglevel", '7') == "loglevel=7");
    CHECK(format("%.3s", "abcdef") == "abc");
    CHECK(format("%.*s", 2, "abcdef") == "ab");
    CHECK(format("%8s|%-8s|", "ab", "cd") == "      ab|cd      |");
    CHECK(format("%s", static_cast<const char*>(nullptr)) == "(null)");
    CHECK(format("100%%") == "100%");
}

TEST_CASE("pointers, and %pS through the symbolizer")
{
    CHECK(format("%p", reinterpret_cast<void*>(0x1000)) == "0000000000001000");
    vsprintf_set_symbolizer(nullptr);
    CHECK(format("%pS", reinterpret_cast<void*>(0xffffffff80001234ull)) == "0xffffffff80001234");
    vsprintf_set_symbolizer(fake_symbolizer);
    CHECK(format("RIP: %pS", reinterpret_cast<void*>(0xffffffff80001234ull)) == "RIP: start_kernel+0x34/0x100");
    CHECK(format("%pS", reinterpret_cast<void*>(0x42)) == "0x42");
    vsprintf_set_symbolizer(nullptr);
}

TEST_CASE("truncation: always terminated, returns the full length")
{
    char buf[8];
    int n = snprintf(buf, sizeof(buf), "%s", "0123456789");
    CHECK(n == 10);
    CHECK(std::string(buf) == "0123456");
    CHECK(snprintf(nullptr, 0, "%d", 12345) == 5);
}

TEST_CASE("unknown conversions are printed as written")
{
    CHECK(format("%q") == "%q");
}
