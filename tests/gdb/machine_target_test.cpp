// MachineDebugTarget: the stub's packets against the real machine (a hand-assembled guest from
// tests/emulator's TestGuest), and Debian's gdb against it.
#include "gdb/machine_target.h"
#include "gdb/packet.h"
#include "gdb/session.h"
#include "gdb_runner.h"
#include "test_guest.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace lkmemu;
using namespace lkmemu::gdb;
using lkmemu::gdb::testing::contains;
using lkmemu::gdb::testing::run_gdb;

namespace {

constexpr uint64_t body = test::text_va + test::body_offset;
constexpr uint64_t counter = test::data_va + 0x9100;

// body: count to 3 in memory, then power off with 0x42.
std::unique_ptr<Machine> counting_machine()
{
    test::TestGuest guest({
        test::Chunk {0x100, {
            0xb8, 0x01, 0x00, 0x00, 0x00,                                // +0x00 mov eax, 0x1
            0x48, 0xbf, 0x00, 0x91, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff,  // +0x05 movabs rdi, counter
            0xb9, 0x03, 0x00, 0x00, 0x00,                                // +0x0f mov ecx, 0x3
            0xff, 0x07,                                                  // +0x14 inc dword ptr [rdi]
            0xff, 0xc9,                                                  // +0x16 dec ecx
            0x75, 0xfa,                                                  // +0x18 jne +0x14
            0xb8, 0x42, 0x00, 0x00, 0x00,                                // +0x1a mov eax, 0x42
            0xe7, 0xf4,                                                  // +0x1f out 0xf4, eax
            0xf4,                                                        // +0x21 hlt
        }},
    });
    return guest.machine();
}

struct Fixture {
    std::unique_ptr<Machine> machine = counting_machine();
    MachineDebugTarget target {*machine};
    std::vector<std::string> log;
    GdbSession session {target, [this](std::string_view line) { log.emplace_back(line); }};

    Fixture() { REQUIRE_FALSE(session.attach().is_error()); }

    std::string reply(std::string_view packet)
    {
        auto response = session.handle(packet);
        REQUIRE(response.reply);
        return *response.reply;
    }
    uint32_t count() const
    {
        uint8_t bytes[4];
        REQUIRE_FALSE(machine->read_virtual(counter, bytes).is_error());
        return bytes[0] | bytes[1] << 8 | bytes[2] << 16 | static_cast<uint32_t>(bytes[3]) << 24;
    }
};

std::string le64(uint64_t value)
{
    std::vector<uint8_t> bytes(8);
    for (int i = 0; i < 8; ++i)
        bytes[i] = static_cast<uint8_t>(value >> (8 * i));
    return to_hex(bytes);
}

std::string hex(uint64_t value)
{
    char text[20];
    std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(value));
    return text;
}


// Two passes over the same loop, with a COM1 byte between them; the loop also counts in memory.
std::unique_ptr<Machine> two_pass_machine()
{
    test::TestGuest guest({
        test::Chunk {0x100, {
            0xb9, 0x64, 0x00, 0x00, 0x00,                                // +0x00 mov ecx, 100
            0x48, 0xbf, 0x00, 0x91, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff,  // +0x05 movabs rdi, counter
            0xff, 0x07,                                                  // +0x0f inc dword ptr [rdi]
            0xff, 0xc9,                                                  // +0x11 dec ecx
            0x75, 0xfa,                                                  // +0x13 jne +0x0f
            0x66, 0xba, 0xf8, 0x03,                                      // +0x15 mov dx, 0x3f8
            0xb0, 0x2e,                                                  // +0x19 mov al, '.'
            0xee,                                                        // +0x1b out dx, al
            0xff, 0xc3,                                                  // +0x1c inc ebx
            0x83, 0xfb, 0x02,                                            // +0x1e cmp ebx, 2
            0x75, 0xdd,                                                  // +0x21 jne +0x00
            0xb8, 0x42, 0x00, 0x00, 0x00,                                // +0x23 mov eax, 0x42
            0xe7, 0xf4,                                                  // +0x28 out 0xf4, eax
            0xf4,                                                        // +0x2a hlt
        }},
    });
    return guest.machine();
}

// Runs the first pass with no hook at all and stops it from the machine's own console output, as
// Ctrl-C would stop it: the loop is translated, and no hook existed when it was.
void stop_after_first_pass(Machine& machine, GdbSession& session)
{
    machine.set_console_listener([&machine](std::string_view) { machine.request_stop(); });
    REQUIRE(session.handle("c").reply == "T02thread:1;");
    machine.set_console_listener({});
    REQUIRE(machine.registers().rbx == 1); // the engine finishes the block after the out
}
} // namespace

TEST_CASE("machine target: registers as the machine has them", "[gdb][machine]")
{
    Fixture f;
    auto regs = f.machine->registers();
    CHECK(f.reply("p10") == le64(regs.rip));
    CHECK(f.reply("p7") == le64(regs.rsp));
    CHECK(f.reply("p12") == "08000000");               // cs
    CHECK(f.reply("p2b") == le64(regs.cr0));          // cr0
    CHECK(f.reply("p2d") == le64(regs.cr3));          // cr3
    CHECK(f.reply("p30") == le64(regs.efer));         // efer, through the MSR
    CHECK(f.reply("p2a") == le64(regs.kernel_gs_base));
    CHECK(f.reply("g").size() == register_file_bytes() * 2);
    CHECK(f.reply("g").find('x') == std::string::npos); // every register readable

    CHECK(f.reply("Pa=" + le64(0x1122334455667788)) == "OK"); // r10
    CHECK(f.machine->registers().r10 == 0x1122334455667788);
    CHECK(f.reply("P2a=" + le64(0xffff888000001000)) == "OK"); // k_gs_base
    CHECK(f.machine->registers().kernel_gs_base == 0xffff888000001000);
    CHECK(f.reply("P12=2b000000") == "E01"); // CS cannot change the privilege level: EPERM
    CHECK(f.log.back().starts_with("gdb: cs: the machine refused the register write: cannot change CS"));
}

TEST_CASE("machine target: memory through the guest's page tables", "[gdb][machine]")
{
    Fixture f;
    CHECK(f.reply("m" + hex(body + 0x14) + ",4") == "ff07ffc9");
    CHECK(f.reply("m700000000000,4") == "E0e"); // user half, nothing mapped there
    CHECK(f.reply("M" + hex(counter) + ",4:0a000000") == "OK");
    CHECK(f.count() == 10);
}

TEST_CASE("machine target: breakpoints, steps and watchpoints", "[gdb][machine]")
{
    Fixture f;
    CHECK(f.reply("Z0," + hex(body + 0x16) + ",1") == "OK");
    CHECK(f.reply("c") == "T05swbreak:;thread:1;");
    CHECK(f.machine->registers().rip == body + 0x16);
    CHECK(f.count() == 1);
    CHECK(f.reply("s") == "T05thread:1;");
    CHECK(f.machine->registers().rip == body + 0x18);
    CHECK(f.reply("z0," + hex(body + 0x16) + ",1") == "OK");
    CHECK(f.reply("Z2," + hex(counter) + ",4") == "OK");
    CHECK(f.reply("c") == "T05watch:" + hex(counter) + ";thread:1;");
    CHECK(f.machine->registers().rip == body + 0x16); // after the inc
    CHECK(f.count() == 2);
    CHECK(f.reply("z2," + hex(counter) + ",4") == "OK");
    CHECK(f.reply("c") == "W42");
    CHECK(f.count() == 3);
    CHECK(f.reply("c") == "W42"); // the machine has ended: it says so again
}

TEST_CASE("machine target: Z0 and Z1 on one address share the machine's breakpoint", "[gdb][machine]")
{
    Fixture f;
    CHECK(f.reply("Z1," + hex(body + 0x16) + ",1") == "OK");
    CHECK(f.reply("Z0," + hex(body + 0x16) + ",1") == "OK");
    CHECK(f.reply("z0," + hex(body + 0x16) + ",1") == "OK");
    CHECK(f.reply("c") == "T05hwbreak:;thread:1;");
    CHECK(f.reply("z1," + hex(body + 0x16) + ",1") == "OK");
    CHECK(f.reply("z1," + hex(body + 0x16) + ",1") == "E02");
    CHECK(f.reply("c") == "W42");
}

// A breakpoint set in code that already ran with no breakpoint anywhere (the usual gdb session:
// run, Ctrl-C, break) must fire. On Unicorn 2.1.4 a code hook added after the code was
// translated does not fire until the translations are flushed, which Machine::add_breakpoint
// does (docs/debugging.md, "Wiring the machine").
TEST_CASE("machine target: a breakpoint set after the code ran fires", "[gdb][machine]")
{
    auto machine = two_pass_machine();
    MachineDebugTarget target(*machine);
    GdbSession session(target);
    REQUIRE_FALSE(session.attach().is_error());
    stop_after_first_pass(*machine, session);

    CHECK(session.handle("Z0," + hex(body + 0x11) + ",1").reply == "OK");
    CHECK(session.handle("c").reply == "T05swbreak:;thread:1;");
    CHECK(machine->registers().rip == body + 0x11);
    CHECK(machine->registers().rcx == 100);
}

// The same for a watchpoint on memory that code which already ran writes.
TEST_CASE("machine target: a watchpoint set after the code ran fires", "[gdb][machine]")
{
    auto machine = two_pass_machine();
    MachineDebugTarget target(*machine);
    GdbSession session(target);
    REQUIRE_FALSE(session.attach().is_error());
    stop_after_first_pass(*machine, session);

    CHECK(session.handle("Z2," + hex(counter) + ",4").reply == "OK");
    CHECK(session.handle("c").reply == "T05watch:" + hex(counter) + ";thread:1;");
    CHECK(machine->registers().rip == body + 0x11); // after the inc of the second pass's first round
    CHECK(machine->registers().rcx == 100);
}

// gdb patching code that already ran must change what runs: Machine::write_virtual drops the
// engine's translations after writing (without that the loop runs the old inc).
TEST_CASE("machine target: code patched through the stub runs patched", "[gdb][machine]")
{
    Fixture f;
    CHECK(f.reply("Z0," + hex(body + 0x16) + ",1") == "OK");
    CHECK(f.reply("c") == "T05swbreak:;thread:1;");
    CHECK(f.reply("c") == "T05swbreak:;thread:1;"); // the loop's own block is translated now
    CHECK(f.count() == 2);
    CHECK(f.reply("M" + hex(body + 0x14) + ",2:9090") == "OK"); // inc dword ptr [rdi] -> nop; nop
    CHECK(f.reply("m" + hex(body + 0x14) + ",2") == "9090");
    CHECK(f.reply("c") == "T05swbreak:;thread:1;");
    CHECK(f.count() == 2);
}

TEST_CASE("machine target: detach removes everything and the machine runs to its end", "[gdb][machine]")
{
    Fixture f;
    CHECK(f.reply("Z0," + hex(body + 0x16) + ",1") == "OK");
    CHECK(f.reply("Z4," + hex(counter) + ",4") == "OK");
    CHECK(f.session.handle("D").effect == SessionEffect::End);
    auto end = f.machine->run();
    CHECK(end.reason == lkmemu::StopReason::PowerOff);
    CHECK(end.guest_status == 0x42);
    CHECK(f.count() == 3);
}

TEST_CASE("machine target: an interrupt requested before the resume stops it at once", "[gdb][machine]")
{
    Fixture f;
    f.target.interrupt();
    CHECK(f.reply("c") == "T02thread:1;");
    CHECK(f.reply("c") == "W42");
}

TEST_CASE("machine target: Debian's gdb drives the real machine", "[gdb][machine][real-gdb]")
{
    auto machine = counting_machine();
    MachineDebugTarget target(*machine);
    auto run = run_gdb(target, {
                                   "target remote 127.0.0.1:PORT",
                                   "x/3i " + std::to_string(body + 0x14),
                                   "break *" + std::to_string(body + 0x16),
                                   "continue",
                                   "info registers rip rcx cr0 efer",
                                   "stepi",
                                   "print/x $pc",
                                   "delete",
                                   "watch *(int *)" + std::to_string(counter),
                                   "continue",
                                   "delete",
                                   "continue",
                               });
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK((contains(run.output, "inc    DWORD PTR [rdi]") || contains(run.output, "incl   (%rdi)")));
    CHECK(contains(run.output, "Breakpoint 1, 0xffffffff80100116 in ?? ()"));
    CHECK(contains(run.output, "rcx            0x3                 3"));
    CHECK(contains(run.output, "cr0            0x"));
    CHECK((contains(run.output, "[ LME LMA NXE ]") || contains(run.output, "[ SCE LME LMA NXE ]")));
    CHECK(contains(run.output, "$1 = 0xffffffff80100118"));
    CHECK(contains(run.output, "Old value = 1"));
    CHECK(contains(run.output, "New value = 2"));
    CHECK(contains(run.output, "[Inferior 1 (Remote target) exited with code 0102]")); // 0x42 in octal
}
