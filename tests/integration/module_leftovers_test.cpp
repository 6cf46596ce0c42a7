// Misbehaving modules (issue 16, items 5 and 6): a bad or double kfree is reported as KASAN does
// and stops the init with a BUG, never corrupting the allocator; what a module leaves behind at
// rmmod (a pending timer, a registered character device) is reported, neutralised and taints W;
// kmalloc memory it never freed is reported as kmemleak does. In every case the kernel goes on.
#include "module_support.h"

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

size_t count_of(const std::string& text, const std::string& needle)
{
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size()))
        n++;
    return n;
}

} // namespace

TEST_CASE("module: kfree of a pointer kmalloc did not return is an invalid-free, refused, and stops the init")
{
    for (const char* kind : { "inside", "static", "wild" }) {
        DYNAMIC_SECTION(kind)
        {
            auto s = run_observed("insmod " + module_path("hello") + "; insmod " + module_path("badfree") + " kind=" + kind
                                  + "; cat /proc/modules; rmmod hello; cat /proc/modules; insmod " + module_path("hello") + "; rmmod hello");
            REQUIRE(s.results.size() == 7);
            CHECK(s.result(0).ok);
            CHECK(s.result(1).status == -LKM_EFAULT);
            const std::string& console = s.console();
            INFO(console);
            CHECK(contains(console, "BUG: KASAN: invalid-free in badfree_init+0x"));
            CHECK(contains(console, "Free of addr "));
            CHECK(contains(console, "kernel BUG at kernel/module/kernel_exports.cpp:"));
            CHECK(contains(console, "Tainted: B"));
            CHECK(contains(console, "badfree: init faulted, unloading the module (err -14)"));
            CHECK_FALSE(contains(console, "badfree: init went on"));
            // The kernel goes on: hello is still there and unloads, another load works.
            CHECK(s.result(2).output == "hello 12288 0 - Live 0xffffffffa0000000\n");
            CHECK(s.result(3).ok);
            CHECK(s.result(4).output.empty());
            CHECK(s.result(5).ok);
            CHECK(s.result(6).ok);
            CHECK(s.stop.reason == StopReason::PowerOff);
            CHECK(s.stop.guest_status == 0);
            // Nothing was freed that should not have been. The "inside" case's object leaks (its
            // init was stopped before freeing it) and the unwind reports it.
            const lkm_meminfo& before = s.before(1).meminfo;
            const lkm_meminfo& after = s.before(2).meminfo;
            CHECK(after.module_area_pages == before.module_area_pages);
            if (std::string(kind) == "inside") {
                CHECK(contains(console, "kmemleak: module badfree left 1 objects (64 bytes) allocated"));
                CHECK(contains(console, "(size 64):"));
                CHECK(after.kmalloc_bytes == before.kmalloc_bytes + 64);
                CHECK(after.kmalloc_objects == before.kmalloc_objects + 1);
            } else {
                CHECK_FALSE(contains(console, "kmemleak"));
                CHECK_MEMINFO_EQUAL(after, before);
            }
        }
    }
}

TEST_CASE("module: a double kfree is reported as a double-free, stops the init, and the kernel's memory is intact")
{
    auto s = run_observed("insmod " + module_path("hello") + "; insmod " + module_path("doublefree") +
                          "; cat /proc/modules; rmmod hello; insmod " + module_path("chardev") +
                          "; cat /dev/lkmemu_chardev; rmmod chardev");
    REQUIRE(s.results.size() == 7);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).status == -LKM_EFAULT);
    const std::string& console = s.console();
    INFO(console);
    CHECK(contains(console, "BUG: KASAN: double-free in doublefree_init+0x"));
    CHECK(contains(console, "[doublefree]"));
    CHECK(count_of(console, "BUG: KASAN:") == 1);
    CHECK(contains(console, "doublefree: init faulted, unloading the module (err -14)"));
    CHECK_FALSE(contains(console, "doublefree: init went on"));
    CHECK_MEMINFO_EQUAL(s.before(2).meminfo, s.before(1).meminfo);
    // Later unloads, and a module that allocates, are fine.
    CHECK(s.result(3).ok);
    CHECK(s.result(4).ok);
    CHECK(contains(s.result(5).output, "lkmemu_chardev: open #1"));
    CHECK(s.result(6).ok);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
    CHECK(s.stop.reason == StopReason::PowerOff);
}

TEST_CASE("module: a timer and a character device left at rmmod are reported, neutralised, and taint W")
{
    auto s = run_observed("insmod " + module_path("leftover") + "; rmmod leftover; cat /dev/leftover_chrdev; sleep 2; cat /proc/modules; insmod " +
                          module_path("chardev") + "; cat /dev/lkmemu_chardev; rmmod chardev; insmod " + module_path("wx_text"));
    REQUIRE(s.results.size() == 9);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    const std::string& console = s.console();
    INFO(console);
    // The timer with an __init callback goes when init's memory does, at insmod.
    CHECK(contains(console, "module leftover left a timer pending: leftover_init_fire+0x0/0x"));
    CHECK(console.find("pending: leftover_init_fire+") < console.find("pending: leftover_fire+")); // at insmod
    CHECK_FALSE(contains(console, "leftover: init timer fired"));
    CHECK(contains(console, "module leftover left a timer pending: leftover_fire+0x0/0x"));
    CHECK(contains(console, "[leftover] (cancelled)"));
    CHECK(contains(console, "module leftover left a character device registered: /dev/leftover_chrdev, major 254 (unregistered)"));
    // The node went with the device: no crash, no such file.
    CHECK(s.result(2).status == -LKM_ENOENT);
    // Its time came and went with the module's memory gone: the timer was cancelled, not run.
    CHECK(s.result(3).ok);
    CHECK_FALSE(contains(console, "leftover: timer fired"));
    CHECK(s.result(4).output.empty());
    // Everything the registrations held is back.
    CHECK_MEMINFO_EQUAL(s.before(2).meminfo, s.before(0).meminfo);
    // The major is free again.
    CHECK(s.result(5).ok);
    CHECK(contains(s.result(6).output, "lkmemu_chardev: open #1, major 254"));
    CHECK(s.result(7).ok);
    // The warning tainted the kernel: a later oops says so.
    CHECK(s.result(8).status == -LKM_EFAULT);
    CHECK(contains(s.result(8).error, "Tainted: W"));
    CHECK(s.stop.reason == StopReason::PowerOff);
}

TEST_CASE("module: kmalloc memory a module never freed is reported at rmmod with count, bytes and call sites")
{
    auto s = run_observed("insmod " + module_path("leaky") + "; rmmod leaky; cat /proc/modules; insmod " + module_path("hello") +
                          "; rmmod hello");
    REQUIRE(s.results.size() == 5);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    const std::string& console = s.console();
    INFO(console);
    CHECK(contains(console, "kmemleak: module leaky left 11 objects (9000 bytes) allocated"));
    CHECK(count_of(console, "unreferenced object 0xffff888") == 8);
    CHECK(contains(console, "(size 8000):"));
    CHECK(contains(console, "(size 100):"));
    CHECK(count_of(console, "  backtrace:") == 8);
    // The newest first: the buffer from a core function, named; then objects from init, whose
    // code and symbols are gone.
    CHECK(count_of(console, "] leaky_alloc_buffer+0x") == 1);
    CHECK(contains(console, "[leaky]\n"));
    CHECK(count_of(console, "] (init code of leaky, freed)") == 7);
    CHECK(contains(console, "kmemleak: 3 more not shown"));
    CHECK(s.result(2).output.empty());
    // The memory stays allocated, as kmemleak leaves it; the module's own memory is gone.
    const lkm_meminfo& before = s.before(0).meminfo;
    const lkm_meminfo& after = s.before(2).meminfo;
    CHECK(after.kmalloc_bytes == before.kmalloc_bytes + 9000);
    CHECK(after.kmalloc_objects == before.kmalloc_objects + 11);
    CHECK(after.module_area_pages == before.module_area_pages);
    // The kernel goes on.
    CHECK(s.result(3).ok);
    CHECK(s.result(4).ok);
    CHECK(s.stop.reason == StopReason::PowerOff);
}
