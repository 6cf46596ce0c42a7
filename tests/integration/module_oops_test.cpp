// Faults that are not in the module's own code, while its init runs: a kernel stack overflow
// (deep recursion, a huge frame) caught by the stack's guard page and reported from the #DF IST
// stack; calls through NULL, garbage and dangling pointers; a kernel function (vsprintf) given a
// bad pointer. Each oopses as Linux does, insmod fails with EFAULT, the module is unwound, memory
// returns to where it was, and the kernel goes on: lsmod works and another module loads.
#include "module_support.h"

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

struct OopsCase {
    const char* name;
    std::string insmod; // module and parameters
    std::vector<std::string> lines; // each must appear in the error text
};

} // namespace

TEST_CASE("module: faults outside the module's code during init oops, fail insmod with EFAULT, and the kernel goes on")
{
    const std::string guard = "BUG: stack guard page was hit at ffffc9";
    const OopsCase cases[] = {
        // Interrupts run on the stack they arrive on, so the code that first touches the guard
        // page may be a tick's handler on top of the recursion rather than the recursion itself
        // (where depends on the instruction count): the module's frames are in the oops either way.
        { "deep recursion", "stack_recursion",
          { guard, "kernel stack overflow (double-fault): 0000 [#1]", "trap: double fault (#DF), vector 8",
            " stack_recursion_descend+0x", "[stack_recursion]",
            "Modules linked in: stack_recursion(+)", "stack_recursion: init faulted, unloading the module (err -14)" } },
        { "huge frame", "stack_frame",
          { guard, "kernel stack overflow (double-fault): 0000 [#1]", "RIP: 0008:stack_frame_huge+",
            "stack_frame: init faulted, unloading the module (err -14)" } },
        { "NULL call", "bad_call target=null",
          { "BUG: kernel NULL pointer dereference, address: 0000000000000000",
            "#PF: supervisor instruction fetch in kernel mode", "Oops: 0010 [#1]", "RIP: 0008:0x0\n",
            "Modules linked in: bad_call(+)", "bad_call: init faulted, unloading the module (err -14)" } },
        { "garbage call", "bad_call target=garbage",
          { "general protection fault: 0000 [#1]", "RIP: 0008:0xdead000000000100",
            "bad_call: init faulted, unloading the module (err -14)" } },
        { "dangling call", "bad_call target=dangling",
          { "BUG: unable to handle page fault for address: ffff888", "#PF: supervisor instruction fetch in kernel mode",
            "#PF: error_code(0x0011) - permissions violation (NX)", "bad_call: init faulted, unloading the module (err -14)" } },
        { "printk of a bad pointer", "bad_call target=printk",
          { "BUG: kernel NULL pointer dereference, address: 0000000000000001", "#PF: supervisor read access in kernel mode",
            "RIP: 0008:vsnprintf+", " printk+0x", " bad_call_init+0x", "bad_call: init faulted, unloading the module (err -14)" } },
    };
    for (const OopsCase& c : cases) {
        DYNAMIC_SECTION(c.name)
        {
            std::string module = c.insmod.substr(0, c.insmod.find(' '));
            std::string args = c.insmod.size() > module.size() ? c.insmod.substr(module.size()) : "";
            auto s = run_observed("insmod " + module_path(module) + args + "; cat /proc/modules; insmod " + module_path("hello")
                                  + "; cat /proc/modules; rmmod hello; cat /proc/modules");
            REQUIRE(s.results.size() == 6);
            CHECK(s.result(0).status == -LKM_EFAULT);
            const std::string& error = s.result(0).error;
            INFO(error);
            CHECK(contains(error, "insmod: ERROR: could not insert module"));
            CHECK(contains(error, "Bad address"));
            CHECK(contains(error, "CPU: 0 PID: 1 Comm: init\n"));
            for (const std::string& line : c.lines)
                CHECK(contains(error, line));
            // Never a #DF loop: one oops only.
            CHECK(!contains(error, "[#2]"));
            // Unwound: nothing listed, memory back to where it was before insmod.
            CHECK(s.result(1).ok);
            CHECK(s.result(1).output.empty());
            CHECK(s.before(1).modules.empty());
            CHECK_MEMINFO_EQUAL(s.before(1).meminfo, s.before(0).meminfo);
            // The kernel goes on: another module loads and unloads; the machine powers off.
            CHECK(s.result(2).ok);
            CHECK(contains(s.result(3).output, "hello 12288 0 - Live"));
            CHECK(s.result(4).ok);
            CHECK_MEMINFO_EQUAL(s.before(5).meminfo, s.before(0).meminfo);
            CHECK(s.stop.reason == StopReason::PowerOff);
            CHECK(s.stop.guest_status == 0);
        }
    }
}

TEST_CASE("module: recursion that fits the kernel stack loads, and the overflow oops repeats cleanly on every try")
{
    auto s = run_observed("insmod " + module_path("stack_recursion") + " depth=10; rmmod stack_recursion; insmod "
                          + module_path("stack_recursion") + "; insmod " + module_path("stack_recursion") + "; dmesg");
    REQUIRE(s.results.size() == 5);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    CHECK(s.result(2).status == -LKM_EFAULT);
    CHECK(s.result(3).status == -LKM_EFAULT);
    // The second oops is numbered and knows the kernel is tainted by the first.
    CHECK(contains(s.result(3).error, "kernel stack overflow (double-fault): 0000 [#2]"));
    CHECK(contains(s.result(3).error, "CPU: 0 PID: 1 Comm: init Tainted: D"));
    CHECK(contains(s.result(4).output, "stack_recursion: 10 frames deep and back"));
    CHECK(s.stop.reason == StopReason::PowerOff);
}

TEST_CASE("vmmap: kernel stacks live in their own area, each with an unmapped guard below")
{
    auto s = run_observed("vmmap");
    REQUIRE(s.results.size() == 1);
    const std::string& out = s.result(0).output;
    INFO(out);
    // The #DF, NMI and #MC IST stacks (8 KiB) and init's task stack (16 KiB), 32 KiB apart: the
    // gaps between them are the guards.
    CHECK(contains(out, "ffffc90000006000-ffffc90000008000 rw- kernel stacks\n"));
    CHECK(contains(out, "ffffc9000000e000-ffffc90000010000 rw- kernel stacks\n"));
    CHECK(contains(out, "ffffc90000016000-ffffc90000018000 rw- kernel stacks\n"));
    CHECK(contains(out, "ffffc9000001c000-ffffc90000020000 rw- kernel stacks\n"));
}
