// The debugger's and tracer's view of the machine: breakpoints and watchpoints as engine hooks,
// single-step through an interrupt, raw registers, the execution observer.
#include "test_guest.h"

#include <catch2/catch.hpp>

#include <unicorn/x86.h>

#include <cstring>
#include <vector>

using namespace lkmemu;
using namespace lkmemu::test;

namespace {

constexpr uint64_t body = text_va + body_offset;
constexpr uint64_t watched = data_va + 0x9100;

std::unique_ptr<Machine> debug_machine()
{
    TestGuest guest({
    // body at +0x100
    Chunk { 0x100, {
        0xb8, 0x01, 0x00, 0x00, 0x00,                    // mov eax, 0x1
        0x48, 0xbf, 0x00, 0x91, 0x20, 0x80, 0xff, 0xff, 0xff, 0xff, // movabs rdi, -0x7fdf6f00
        0x89, 0x07,                                      // mov dword ptr [rdi], eax
        0xff, 0xc0,                                      // inc eax
        0x8b, 0x1f,                                      // mov ebx, dword ptr [rdi]
        0xcd, 0x80,                                      // int 0x80
        0xb8, 0x42, 0x00, 0x00, 0x00,                    // mov eax, 0x42
        0xe7, 0xf4,                                      // out 0xf4, eax
        0xf4,                                            // hlt
    } },
    // int80 at +0x800
    Chunk { 0x800, {
        0x49, 0xff, 0xc4,                                // inc r12
        0x48, 0xcf,                                      // iretq
    } },
    });
    guest.gate(Gate { 0x80, 0x800 });
    return guest.machine();
}

} // namespace

TEST_CASE("a breakpoint stops before its instruction and does not fire again on resume", "[debug]")
{
    auto machine = debug_machine();
    REQUIRE_FALSE(machine->add_breakpoint(body + 0x11).is_error());
    auto stop = machine->run();
    REQUIRE(stop.reason == StopReason::Breakpoint);
    CHECK(stop.address == body + 0x11);
    CHECK(machine->registers().rip == body + 0x11);
    CHECK(machine->registers().rax == 1); // inc eax not executed yet
    stop = machine->run();
    REQUIRE(stop.reason == StopReason::PowerOff);
    CHECK(stop.guest_status == 0x42);
    REQUIRE_FALSE(machine->remove_breakpoint(body + 0x11).is_error());
    auto const missing = machine->remove_breakpoint(body + 0x11);
    REQUIRE(missing.is_error());
    CHECK(missing.error().message == "no breakpoint at 0xffffffff80100111");
}

TEST_CASE("watchpoints stop after the accessing instruction, once", "[debug]")
{
    auto machine = debug_machine();
    REQUIRE_FALSE(machine->add_watchpoint(watched, 4, WatchKind::Write).is_error());
    REQUIRE_FALSE(machine->add_watchpoint(watched, 4, WatchKind::Read).is_error());
    auto stop = machine->run();
    REQUIRE(stop.reason == StopReason::Watchpoint);
    CHECK(stop.watch_kind == WatchKind::Write);
    CHECK(stop.address == watched);
    CHECK(machine->registers().rip == body + 0x11);
    stop = machine->run();
    REQUIRE(stop.reason == StopReason::Watchpoint);
    CHECK(stop.watch_kind == WatchKind::Read);
    CHECK(machine->registers().rip == body + 0x15);
    CHECK(machine->registers().rbx == 1);
    REQUIRE_FALSE(machine->remove_watchpoint(watched, 4, WatchKind::Write).is_error());
    REQUIRE_FALSE(machine->remove_watchpoint(watched, 4, WatchKind::Read).is_error());
    CHECK(machine->run().reason == StopReason::PowerOff);
}

TEST_CASE("step runs one instruction, and steps into an interrupt handler", "[debug]")
{
    auto machine = debug_machine();
    REQUIRE_FALSE(machine->add_breakpoint(body + 0x15).is_error());
    REQUIRE(machine->run().reason == StopReason::Breakpoint); // at int 0x80
    auto stop = machine->step();
    REQUIRE(stop.reason == StopReason::Step);
    auto const regs = machine->registers();
    CHECK(regs.rip == text_va + 0x800);                    // the handler, not yet run
    CHECK(read_u64(*machine, regs.rsp) == body + 0x17);    // the frame's RIP: after int 0x80
    stop = machine->step();
    CHECK(machine->registers().rip == text_va + 0x803);
    CHECK(machine->registers().r12 == 1);
    machine->step(); // iretq
    CHECK(machine->registers().rip == body + 0x17);
    CHECK(machine->run().reason == StopReason::PowerOff);
}

TEST_CASE("engine registers by Unicorn id, and CS and SS cannot change", "[debug]")
{
    auto machine = debug_machine();
    uint64_t const value = 0x1122334455667788ull;
    REQUIRE_FALSE(machine->write_engine_register(UC_X86_REG_R9, { reinterpret_cast<const uint8_t*>(&value), 8 }).is_error());
    CHECK(machine->registers().r9 == value);
    uint8_t fp0[10] = {};
    CHECK_FALSE(machine->read_engine_register(UC_X86_REG_FP0, fp0).is_error());
    uint16_t const user_selector = 0x2b;
    auto const refused = machine->write_engine_register(UC_X86_REG_CS, { reinterpret_cast<const uint8_t*>(&user_selector), 2 });
    REQUIRE(refused.is_error());
    CHECK(refused.error().message ==
          "cannot change CS from 0x8 to 0x2b: the privilege level changes only by instructions the guest executes");
}

namespace {
struct Recorder final : ExecutionObserver {
    std::vector<uint64_t> instructions;
    std::vector<std::pair<uint8_t, uint64_t>> interrupts;
    std::vector<uint64_t> syscalls;
    std::vector<std::pair<uint64_t, uint64_t>> returns;
    void instruction(uint64_t address, std::span<const uint8_t> bytes) override
    {
        CHECK(bytes.size() == 15);
        instructions.push_back(address);
    }
    void exception(uint8_t, std::optional<uint64_t>, std::optional<uint64_t>, uint64_t) override {}
    void interrupt(uint8_t vector, uint64_t rip) override { interrupts.emplace_back(vector, rip); }
    void syscall(uint64_t rip) override { syscalls.push_back(rip); }
    void syscall_return(uint64_t rip, uint64_t value) override { returns.emplace_back(rip, value); }
};
} // namespace

TEST_CASE("the execution observer sees the instructions in its range and the interrupts", "[debug]")
{
    auto machine = debug_machine();
    Recorder recorder;
    REQUIRE_FALSE(machine->set_execution_observer(&recorder, body, body + 0xff).is_error());
    REQUIRE(machine->run().reason == StopReason::PowerOff);
    CHECK(recorder.instructions == std::vector<uint64_t> { body, body + 0x5, body + 0xf, body + 0x11, body + 0x13, body + 0x15,
                                                           body + 0x17, body + 0x1c });
    // (the hlt after the power-off's out is not reported: the machine was already off)
    CHECK(recorder.interrupts == std::vector<std::pair<uint8_t, uint64_t>> { { 0x80, body + 0x17 } });
}

TEST_CASE("the execution observer sees SYSCALL and its return to user mode", "[debug]")
{
    // The kernel side: the iretq-to-ring-3 body of the user tests, and a SYSCALL entry that
    // returns 0x99 with sysretq the first time and powers off the second.
    std::vector<Chunk> text = code::ring3_test_text();
    // replaces the ring-3 text's SYSCALL entry (a later chunk overwrites an earlier one)
    text.push_back(Chunk { 0xa00, {
        0x4d, 0x85, 0xf6,                                // test r14, r14
        0x75, 0x0b,                                      // jne 0xffffffff80100a10
        0x49, 0xff, 0xc6,                                // inc r14
        0xb8, 0x99, 0x00, 0x00, 0x00,                    // mov eax, 0x99
        0x48, 0x0f, 0x07,                                // sysretq
        0xb8, 0x5d, 0x00, 0x00, 0x00,                    // mov eax, 0x5d
        0xe7, 0xf4,                                      // out 0xf4, eax
        0xf4,                                            // hlt
    } });
    TestGuest guest(text);
    guest.user_code({
    // user at +0x0
    Chunk { 0x0, {
        0x0f, 0x05,                                      // syscall
        0x48, 0x89, 0xc3,                                // mov rbx, rax
        0x0f, 0x05,                                      // syscall
        0x0f, 0x0b,                                      // ud2
    } },
    });
    auto machine = guest.machine();
    Recorder recorder;
    REQUIRE_FALSE(machine->set_execution_observer(&recorder, user_va, user_va + 0xfff).is_error());
    auto const result = machine->run();
    REQUIRE(result.reason == StopReason::PowerOff);
    CHECK(result.guest_status == 0x5d);
    CHECK(machine->registers().rbx == 0x99);
    CHECK(recorder.syscalls == std::vector<uint64_t> { user_va, user_va + 5 });
    CHECK(recorder.returns == std::vector<std::pair<uint64_t, uint64_t>> { { user_va + 2, 0x99 } });
    CHECK(recorder.instructions == std::vector<uint64_t> { user_va, user_va + 2, user_va + 5 });
}
