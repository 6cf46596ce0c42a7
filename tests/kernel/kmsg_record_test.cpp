// /dev/kmsg's record format (guest-kernel/kernel/printk/kmsg_record.cpp), compiled for the host:
// a stored log line "<level>[seconds.micros] text\n" as "level,seq,usec,-;text\n".
#include <catch2/catch.hpp>

#include <kernel/printk.h>

#include <string>

namespace {

std::string format(const std::string& stored, u64 seq, size_t size = 4096)
{
    std::string out(size, '#');
    size_t length = kmsg_format_record(stored.data(), stored.size(), seq, out.data(), out.size());
    out.resize(std::min(length, size));
    return out;
}

} // namespace

TEST_CASE("a stored line becomes level, sequence number, microseconds and the text")
{
    CHECK(format("<6>[    0.004000] Hello, world!\n", 17) == "6,17,4000,-;Hello, world!\n");
    CHECK(format("<3>[   12.345678] initfail: no device\n", 0) == "3,0,12345678,-;initfail: no device\n");
    CHECK(format("<7>[    0.000000] \n", 123456789) == "7,123456789,0,-;\n");
}

TEST_CASE("bytes outside printable ASCII, and the backslash, are escaped as \\xNN")
{
    CHECK(format("<4>[    1.000000] tab\there\n", 1) == "4,1,1000000,-;tab\\x09here\n");
    CHECK(format("<4>[    1.000000] back\\slash \x7f\xff\n", 2) == "4,2,1000000,-;back\\x5cslash \\x7f\\xff\n");
}

TEST_CASE("a line without a level or timestamp keeps its text whole")
{
    CHECK(format("plain text\n", 3) == "0,3,0,-;plain text\n");
    CHECK(format("[not a time stamp\n", 4) == "0,4,0,-;[not a time stamp\n");
}

TEST_CASE("the result's length is returned even when it does not fit, as snprintf's")
{
    std::string stored = "<6>[    0.004000] Hello, world!\n";
    std::string whole = "6,17,4000,-;Hello, world!\n";
    char small[8];
    size_t length = kmsg_format_record(stored.data(), stored.size(), 17, small, sizeof(small));
    CHECK(length == whole.size());
    CHECK(std::string(small, sizeof(small)) == whole.substr(0, sizeof(small)));
}
