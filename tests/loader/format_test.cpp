#include <loader/format.h>

#include <catch2/catch.hpp>
#include <string>

TEST_CASE("format: the conversions loader messages use", "[format]")
{
    char buffer[64];
    lkm::format(buffer, sizeof buffer, "%s+0x%llx %d %u %zu %c %%", ".text", 0xffffffffa0000010ull, -5, 7u, size_t(9), 'x');
    CHECK(std::string(buffer) == ".text+0xffffffffa0000010 -5 7 9 x %");
    lkm::format(buffer, sizeof buffer, "[%5d|%-4s|%02x|%*s]", 42, "ab", 7, 3, "z");
    CHECK(std::string(buffer) == "[   42|ab  |07|  z]");
    lkm::format(buffer, sizeof buffer, "%lld %ld", -9223372036854775807ll - 1, 0l);
    CHECK(std::string(buffer) == "-9223372036854775808 0");
}

TEST_CASE("format: truncates and always terminates", "[format]")
{
    char buffer[8];
    CHECK(lkm::format(buffer, sizeof buffer, "%s", "0123456789") == 7);
    CHECK(std::string(buffer) == "0123456");
    char one[1] = { 'x' };
    lkm::format(one, 1, "abc");
    CHECK(one[0] == '\0');
}

TEST_CASE("make_error fills errno, reason and context", "[format]")
{
    lkm::Error e = lkm::make_error(LKM_ENOEXEC, "static reason", "%s at %u", "thing", 3u);
    CHECK(e.code == LKM_ENOEXEC);
    CHECK(std::string(e.reason) == "static reason");
    CHECK(std::string(e.context) == "thing at 3");
}
