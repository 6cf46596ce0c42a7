// kallsyms lookups (guest-kernel/kernel/kallsyms_lookup.cpp) over a hand-built table.
#include <catch2/catch.hpp>

#include <string>

#define vsnprintf kernel_vsnprintf
#define snprintf kernel_snprintf
#include <kernel/kallsyms.h>

namespace {

const u64 addresses[] = { 0xffffffff80000000ull, 0xffffffff80000040ull, 0xffffffff80000100ull };
const u32 sizes[] = { 0x40, 0x80, 0x10 }; // a gap at 0xffffffff800000c0..0xffffffff80000100
const char names[] = "startup_64\0x86_64_start_kernel\0start_kernel";
const u32 offsets[] = { 0, 11, 31 };
const kallsyms_table table { 3, addresses, sizes, offsets, names };

std::string sprint(u64 address)
{
    char buf[128];
    sprint_symbol_in(table, buf, sizeof(buf), address);
    return buf;
}

} // namespace

TEST_CASE("an address resolves to the symbol containing it, with offset and size")
{
    kallsyms_symbol s;
    REQUIRE(kallsyms_lookup_in(table, 0xffffffff80000045ull, &s));
    CHECK(std::string(s.name) == "x86_64_start_kernel");
    CHECK(s.address == 0xffffffff80000040ull);
    CHECK(s.offset == 5);
    CHECK(s.size == 0x80);
    CHECK(sprint(0xffffffff80000000ull) == "startup_64+0x0/0x40");
    CHECK(sprint(0xffffffff8000010full) == "start_kernel+0xf/0x10");
}

TEST_CASE("addresses outside every symbol do not resolve")
{
    kallsyms_symbol s;
    CHECK_FALSE(kallsyms_lookup_in(table, 0xffffffff7fffffffull, &s)); // before the first
    CHECK_FALSE(kallsyms_lookup_in(table, 0xffffffff800000c0ull, &s)); // in the gap
    CHECK_FALSE(kallsyms_lookup_in(table, 0xffffffff80000110ull, &s)); // after the last
    CHECK(sprint(0xffffffff800000c0ull).empty());
    const kallsyms_table empty { 0, nullptr, nullptr, nullptr, "" };
    CHECK_FALSE(kallsyms_lookup_in(empty, 0xffffffff80000000ull, &s));
}

TEST_CASE("a return address is symbolized by the call before it")
{
    char buf[128];
    // A noreturn call as the last instruction of startup_64: the return address is the next
    // function's first byte, but the frame belongs to startup_64.
    REQUIRE(sprint_backtrace_in(table, buf, sizeof(buf), 0xffffffff80000040ull) > 0);
    CHECK(std::string(buf) == "startup_64+0x40/0x40");
    REQUIRE(sprint_backtrace_in(table, buf, sizeof(buf), 0xffffffff80000050ull) > 0);
    CHECK(std::string(buf) == "x86_64_start_kernel+0x10/0x80");
    CHECK(sprint_backtrace_in(table, buf, sizeof(buf), 0) == 0);
}

TEST_CASE("names resolve to addresses")
{
    CHECK(kallsyms_lookup_name_in(table, "start_kernel") == 0xffffffff80000100ull);
    CHECK(kallsyms_lookup_name_in(table, "startup_64") == 0xffffffff80000000ull);
    CHECK(kallsyms_lookup_name_in(table, "start") == 0);
    CHECK(kallsyms_lookup_name_in(table, "start_kernel_") == 0);
}
