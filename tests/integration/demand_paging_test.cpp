// Demand-zero memory: init's .bss (its request and response buffers, 65 MiB each) is not backed
// at exec; a page is mapped, zeroed, when first touched — by init itself, or by the kernel copying a
// request into it (copy_to_user faults on the missing page and mm/fault.cpp maps it).
#include "module_support.h"

#include <filesystem>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

uint64_t mapped_bytes(const std::vector<MappedRange>& ranges)
{
    uint64_t total = 0;
    for (const MappedRange& r : ranges)
        total += r.end - r.start;
    return total;
}

} // namespace

TEST_CASE("init's .bss is demand-zero: pages appear as requests reach into its buffer, and stay")
{
    std::string const big = module_path("big");
    uint64_t const image_size = std::filesystem::file_size(big);
    REQUIRE(image_size > (1u << 20));

    // init_module: init reads the image into its own buffer (finit_module never touches it).
    auto s = run_observed("lsmod; insmod " + big + "; rmmod big; lsmod", "insmod_syscall=init_module");
    REQUIRE(s.results.size() == 4);
    for (size_t i = 0; i < 4; i++)
        CHECK(s.result(i).ok);
    CHECK(s.stop.reason == StopReason::PowerOff);

    // After boot and a small request, init's 130 MiB of .bss is far from all there.
    const Snapshot& booted = s.before(1);
    CHECK(mapped_bytes(booted.user) < (512u << 10));
    CHECK(booted.meminfo.user_pages * 4096 >= mapped_bytes(booted.user)); // its tables count too

    // The insmod brought the whole image into init's buffer: that much more is mapped, as
    // writable data, never executable.
    const Snapshot& after_insmod = s.before(2);
    CHECK(mapped_bytes(after_insmod.user) >= mapped_bytes(booted.user) + (image_size & ~0xfffull));
    CHECK(after_insmod.meminfo.user_pages - booted.meminfo.user_pages >= image_size / 4096);
    for (const MappedRange& r : after_insmod.user)
        CHECK_FALSE((r.writable && r.executable));

    // Unloading gives the kernel's memory back; init keeps the pages it touched.
    CHECK(s.last().meminfo.user_pages == after_insmod.meminfo.user_pages);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, booted.meminfo);

    // finit_module (insmod's default): the image goes from the host file to the kernel, and
    // init's buffer gains no page for it.
    auto f = run_observed("lsmod; insmod " + big + "; rmmod big; lsmod");
    REQUIRE(f.results.size() == 4);
    CHECK(f.result(1).ok);
    CHECK(f.before(2).meminfo.user_pages - f.before(1).meminfo.user_pages < 16);
    CHECK_MEMINFO_EQUAL(f.last().meminfo, f.before(1).meminfo);
}
