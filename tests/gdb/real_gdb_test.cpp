// Debian's own gdb, in batch mode, against the stub serving the fake target over TCP. This is
// the proof that gdb accepts the target description and the packets as the stub speaks them.
#include "fake_target.h"
#include "gdb_runner.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

using namespace lkmemu::gdb;
using lkmemu::gdb::testing::FakeTarget;

using lkmemu::gdb::testing::contains;
using lkmemu::gdb::testing::GdbOptions;
using lkmemu::gdb::testing::run_gdb;

TEST_CASE("gdb connects, reads registers and memory, breaks, steps, watches, detaches", "[gdb][real-gdb]")
{
    FakeTarget target;
    auto run = run_gdb(target, {
                                   "target remote 127.0.0.1:PORT",
                                   "info registers rip",
                                   "x/4xw 0xffffffff81001000",
                                   "x/4xw 0xffffffff82000000",
                                   "break *0xffffffff81000009",
                                   "continue",
                                   "info registers rip",
                                   "stepi",
                                   "info registers rip",
                                   "delete",
                                   "watch *(int *)0xffffffff81001000",
                                   "continue",
                                   "info registers rip",
                                   "detach",
                               });
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK_FALSE(contains(run.output, "'g' packet reply is too long"));
    // gdb's only warning is that it has no executable (true: nothing was loaded); none about
    // the target description or the 'g' layout.
    auto output = run.output;
    if (auto known = output.find("Try using the \"file\" command."); known != std::string::npos)
        output.erase(0, known);
    CHECK_FALSE(contains(output, "warning:"));
    CHECK(contains(run.output, "rip            0xffffffff81000000  0xffffffff81000000"));
    CHECK(contains(run.output, "0xffffffff81001000:\t0x44332211\t0x88776655\t0x00000000\t0x00000000"));
    CHECK(contains(run.output, "Cannot access memory at address 0xffffffff82000000"));
    CHECK(contains(run.output, "Breakpoint 1 at 0xffffffff81000009"));
    CHECK(contains(run.output, "Breakpoint 1, 0xffffffff81000009 in ?? ()"));
    CHECK(contains(run.output, "rip            0xffffffff81000009  0xffffffff81000009"));
    CHECK(contains(run.output, "rip            0xffffffff8100000a  0xffffffff8100000a"));
    CHECK(contains(run.output, "Hardware watchpoint 2: *(int *)0xffffffff81001000"));
    CHECK(contains(run.output, "Old value = 1144201746"));  // 0x44332212
    CHECK(contains(run.output, "New value = 1144201747"));
    CHECK(contains(run.output, "[Inferior 1 (Remote target) detached]"));
    // The watchpoint fired after the inc, on the nop that follows it.
    CHECK(contains(run.output, "rip            0xffffffff81000009  0xffffffff81000009"));
    CHECK(target.detached());
    CHECK(target.breakpoint_count() == 0);
}

TEST_CASE("gdb's info registers shows the segment and system registers", "[gdb][real-gdb]")
{
    FakeTarget target;
    auto run = run_gdb(target, {"target remote 127.0.0.1:PORT", "info registers", "detach"});
    INFO(run.output);
    CHECK(run.status == 0);
    for (const char* line : {
             "rax            0x1234              4660",
             "eflags         0x2                 [ ]",
             "cs             0x8                 8",
             "fs_base        0x0                 0x0",
             "gs_base        0xffff888000100000  0xffff888000100000",
             "k_gs_base      0x7fff0000          0x7fff0000",
             "cr0            0x80010033          [ PE MP ET NE WP PG ]",
             "cr2            0x0                 0x0",
             "cr3            0x10000             65536",
             "cr4            0x620               [ PAE OSFXSR OSXMMEXCPT ]",
             "cr8            0x0                 0",
             "efer           0xd00               [ LME LMA NXE ]",
         })
        CHECK(contains(run.output, line));
}

TEST_CASE("gdb writes registers and memory through the stub", "[gdb][real-gdb]")
{
    FakeTarget target;
    auto run = run_gdb(target, {
                                   "target remote 127.0.0.1:PORT",
                                   "set $rbx = 0xabcdef",
                                   "set $cr3 = 0x20000",
                                   "set {int}0xffffffff81001004 = 0x01020304",
                                   "print/x $rbx",
                                   "detach",
                               });
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(contains(run.output, "$1 = 0xabcdef"));
    CHECK(target.reg(Register::rbx) == 0xabcdef);
    CHECK(target.reg(Register::cr3) == 0x20000);
    uint8_t bytes[4];
    REQUIRE_FALSE(target.read_memory(0xffffffff81001004, bytes).is_error());
    CHECK(bytes[0] == 0x04);
    CHECK(bytes[3] == 0x01);
}

TEST_CASE("Ctrl-C in gdb interrupts a running continue", "[gdb][real-gdb]")
{
    FakeTarget target;
    auto run = run_gdb(target, {"target remote 127.0.0.1:PORT", "continue", "info registers rip", "detach"},
                       GdbOptions {.interrupt_when = [&target] { return target.running.load(); }});
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(contains(run.output, "Program received signal SIGINT, Interrupt."));
    CHECK(contains(run.output, "[Inferior 1 (Remote target) detached]"));
    CHECK(target.detached());
}

TEST_CASE("scripts/gdb/lkmemu.gdb connects with lkmemu-connect", "[gdb][real-gdb]")
{
    FakeTarget target;
    auto run = run_gdb(target, {"lkmemu-connect PORT", "lkmemu-system-registers", "detach"},
                       GdbOptions {.gdb_options = {"-x", LKMEMU_SOURCE_DIR "/scripts/gdb/lkmemu.gdb"}});
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(contains(run.output, "cr0            0x80010033          [ PE MP ET NE WP PG ]"));
    CHECK(contains(run.output, "efer           0xd00               [ LME LMA NXE ]"));
    CHECK(contains(run.output, "[Inferior 1 (Remote target) detached]"));
}

TEST_CASE("scripts/gdb/lkmemu-gdb.sh starts gdb connected to HOST:PORT", "[gdb][real-gdb]")
{
    FakeTarget target;
    setenv("LKMEMU_KERNEL", "/nonexistent/kernel.elf", 1);
    auto run = run_gdb(target, {"info registers rip", "detach"},
                       GdbOptions {.launcher = {"/bin/bash", LKMEMU_SOURCE_DIR "/scripts/gdb/lkmemu-gdb.sh", "127.0.0.1:PORT"}});
    unsetenv("LKMEMU_KERNEL");
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(contains(run.output, "lkmemu-gdb: no /nonexistent/kernel.elf (set LKMEMU_KERNEL); connecting without kernel symbols"));
    CHECK(contains(run.output, "rip            0xffffffff81000000  0xffffffff81000000"));
    CHECK(contains(run.output, "[Inferior 1 (Remote target) detached]"));
}

TEST_CASE("gdb sees hardware breakpoints, read watchpoints, faults and power-off", "[gdb][real-gdb]")
{
    FakeTarget target;
    auto run = run_gdb(target, {
                                   "target remote 127.0.0.1:PORT",
                                   "x/2i $pc",
                                   "hbreak *0xffffffff81000002",
                                   "continue",
                                   "delete",
                                   "rwatch *(char *)0xffffffff81001001",
                                   "continue",
                                   "delete",
                                   "set $rip = 0xffffffff82000000",
                                   "continue",
                                   "set $rip = 0xffffffff8100000c",
                                   "set $rax = 52",
                                   "continue",
                               });
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK(contains(run.output, "=> 0xffffffff81000000:\tnop"));
    CHECK(contains(run.output, "   0xffffffff81000001:\tnop"));
    CHECK(contains(run.output, "Hardware assisted breakpoint 1 at 0xffffffff81000002"));
    CHECK(contains(run.output, "Breakpoint 1, 0xffffffff81000002 in ?? ()"));
    CHECK(contains(run.output, "Hardware read watchpoint 2: *(char *)0xffffffff81001001"));
    CHECK(contains(run.output, "Value = 34 '\"'")); // 0x22
    CHECK(contains(run.output, "Program received signal SIGSEGV, Segmentation fault."));
    CHECK(contains(run.output, "[Inferior 1 (Remote target) exited with code 064]")); // gdb prints octal: 52
}
