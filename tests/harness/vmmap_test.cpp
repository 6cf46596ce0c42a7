#include <catch2/catch.hpp>

#include <harness/vmmap.h>

using namespace lkmemu;

TEST_CASE("vmmap cuts mapped ranges at section boundaries and names each piece")
{
    std::vector<MappedRange> ranges = {
        {0x400000, 0x402000, false, true, true, 0x5000000},
        {0xffff888000000000, 0xffff888008000000, true, false, false, 0},
        {0xffffffff80000000, 0xffffffff80003000, false, true, false, 0x200000},
        {0xffffffff80003000, 0xffffffff80004000, false, false, false, 0x203000},
        {0xffffffff80004000, 0xffffffff80007000, true, false, false, 0x204000},
    };
    std::vector<NamedRegion> regions = {
        {0xffffffff80000000, 0xffffffff80002f10, "kernel .text"},
        {0xffffffff80003000, 0xffffffff80003800, "kernel .rodata"},
        {0xffffffff80004000, 0xffffffff80004100, "kernel .data"},
        {0xffffffff80005000, 0xffffffff80006800, "kernel .bss"},
    };
    auto lines = describe_address_space(ranges, regions);
    CHECK(format_vmmap(lines) ==
          "0000000000400000-0000000000402000 r-x user\n"
          "ffff888000000000-ffff888008000000 rw- direct map\n"
          "ffffffff80000000-ffffffff80003000 r-x kernel .text\n"
          "ffffffff80003000-ffffffff80004000 r-- kernel .rodata\n"
          "ffffffff80004000-ffffffff80005000 rw- kernel .data\n"
          "ffffffff80005000-ffffffff80007000 rw- kernel .bss\n");
}
