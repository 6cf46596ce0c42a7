// The W^X samples: each faults inside its own init, the oops names the module function, insmod
// fails with EFAULT, the module is unwound, and the kernel keeps serving commands.
#include "module_support.h"

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

struct FaultCase {
    const char* module;
    const char* error_code_line;
    const char* rip;
};

} // namespace

TEST_CASE("module: wx_rodata, wx_text and wx_data fault, oops with the module symbol, and are unwound")
{
    const FaultCase cases[] = {
        { "wx_rodata", "#PF: error_code(0x0003) - permissions violation", "RIP: 0008:wx_rodata_poke+0x4/0x9 [wx_rodata]" },
        { "wx_text", "#PF: error_code(0x0003) - permissions violation", "RIP: 0008:wx_text_poke+0x4/0x9 [wx_text]" },
        { "wx_data", "#PF: error_code(0x0011) - permissions violation (NX)", "RIP: 0008:wx_data_payload+0x0/0x3 [wx_data]" },
    };
    for (const FaultCase& c : cases) {
        DYNAMIC_SECTION(c.module)
        {
            auto s = run_observed("insmod " + module_path(c.module) + "; cat /proc/modules; insmod " + module_path("hello") +
                                  "; cat /proc/modules; rmmod hello");
            REQUIRE(s.results.size() == 5);
            CHECK(s.result(0).status == -LKM_EFAULT);
            const std::string& error = s.result(0).error;
            INFO(error);
            CHECK(contains(error, "insmod: ERROR: could not insert module"));
            CHECK(contains(error, "Bad address"));
            CHECK(contains(error, c.error_code_line));
            CHECK(contains(error, c.rip));
            CHECK(contains(error, std::string(c.module) + "_init+"));
            CHECK(contains(error, "Modules linked in: " + std::string(c.module) + "(+)"));
            CHECK(contains(error, std::string(c.module) + ": init faulted, unloading the module (err -14)"));
            CHECK(contains(s.console(), c.rip));
            CHECK(s.result(1).ok);
            CHECK(s.result(1).output.empty());
            CHECK(s.before(1).modules.empty());
            CHECK(s.before(1).module_area.empty());
            CHECK_MEMINFO_EQUAL(s.before(1).meminfo, s.before(0).meminfo);
            // The kernel carries on: another module loads and unloads, the machine powers off.
            CHECK(s.result(2).ok);
            CHECK(contains(s.result(3).output, "hello 12288 0 - Live"));
            CHECK(s.result(4).ok);
            CHECK(s.stop.reason == StopReason::PowerOff);
            CHECK(s.stop.guest_status == 0);
        }
    }
}

TEST_CASE("module: after an oops in a module the kernel is tainted D, and later oopses say so")
{
    auto s = run_observed("insmod " + module_path("wx_text") + "; insmod " + module_path("wx_data"));
    REQUIRE(s.results.size() == 2);
    CHECK(contains(s.result(0).error, "CPU: 0 PID: 1 Comm: init\n"));
    CHECK(contains(s.result(1).error, "CPU: 0 PID: 1 Comm: init Tainted: D"));
}

TEST_CASE("module: a module whose exit faults stays Unloading, and rmmod then refuses it with EBUSY (not LIVE)")
{
    auto s = run_observed("insmod " + module_path("exitfault") + "; rmmod exitfault; cat /proc/modules; rmmod exitfault; insmod "
                          + module_path("hello") + "; cat /proc/modules; dmesg");
    REQUIRE(s.results.size() == 7);
    CHECK(s.result(0).ok);
    // The exit's oops is recovered: delete_module fails with EFAULT and names the faulting function.
    CHECK(s.result(1).status == -LKM_EFAULT);
    CHECK(contains(s.result(1).error, "RIP: 0008:exitfault_poke+0x"));
    CHECK(contains(s.result(1).error, "[exitfault]"));
    CHECK(s.result(2).output == "exitfault 12288 0 - Unloading 0xffffffffa0000000\n");
    // Not LIVE: refused with EBUSY.
    CHECK(s.result(3).status == -LKM_EBUSY);
    // The kernel keeps serving.
    CHECK(s.result(4).ok);
    CHECK(contains(s.result(5).output, "hello 12288 0 - Live"));
    CHECK(contains(s.result(6).output, "exitfault: exit faulted; the module stays in memory"));
    CHECK(s.stop.reason == StopReason::PowerOff);
}
