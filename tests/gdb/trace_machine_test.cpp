// TraceObserver: the tracer fed by the real machine (tests/emulator's TestGuest).
#include "trace/machine_observer.h"
#include "trace/syscall_names.h"
#include "test_guest.h"

#include <catch2/catch.hpp>

#include <unicorn/x86.h>

#include <string>
#include <vector>

using namespace lkmemu;
using namespace lkmemu::trace;

namespace {

constexpr uint64_t body = test::text_va + test::body_offset;

std::unique_ptr<Machine> interrupting_machine()
{
    test::TestGuest guest({
        test::Chunk {0x100, {
            0xb8, 0x01, 0x00, 0x00, 0x00,   // +0x00 mov eax, 1
            0xcd, 0x80,                     // +0x05 int 0x80
            0xb8, 0x42, 0x00, 0x00, 0x00,   // +0x07 mov eax, 0x42
            0xe7, 0xf4,                     // +0x0c out 0xf4, eax
            0xf4,                           // +0x0e hlt
        }},
        test::Chunk {0x800, {
            0x48, 0xcf,                     // iretq
        }},
    });
    guest.gate(test::Gate {0x80, 0x800});
    return guest.machine();
}

std::optional<SymbolLocation> symbolize(uint64_t address)
{
    if (address >= body && address < body + 0x10)
        return SymbolLocation {"test_body", address - body, ""};
    return std::nullopt;
}

Tracer collecting_tracer(std::vector<std::string>& lines, std::string_view filter)
{
    auto disassembler = Disassembler::open();
    REQUIRE_FALSE(disassembler.is_error());
    auto parsed = parse_trace_filter(filter);
    REQUIRE_FALSE(parsed.is_error());
    return Tracer(disassembler.release_value(), parsed.release_value(), symbolize,
                  [&lines](std::string_view line) { lines.emplace_back(line); });
}

std::string hex(uint64_t value)
{
    char text[20];
    std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(value));
    return text;
}

} // namespace

TEST_CASE("the machine's instructions and interrupts become trace lines", "[trace][machine]")
{
    auto machine = interrupting_machine();
    std::vector<std::string> lines;
    Tracer tracer = collecting_tracer(lines, hex(body) + "-" + hex(body + 0x10));
    TraceObserver observer(tracer, *machine);
    REQUIRE_FALSE(machine->set_execution_observer(&observer, tracer.filter().hook_first(), tracer.filter().hook_last())
                      .is_error());
    auto end = machine->run();
    REQUIRE(end.reason == StopReason::PowerOff);
    REQUIRE_FALSE(machine->set_execution_observer(nullptr).is_error());

    std::vector<std::string> expected = {
        "ffffffff80100100 test_body+0x0                    b8 01 00 00 00        mov eax, 1",
        "ffffffff80100105 test_body+0x5                    cd 80                 int 0x80",
        "--- interrupt 128 at ffffffff80100107 test_body+0x7",
        "ffffffff80100107 test_body+0x7                    b8 42 00 00 00        mov eax, 0x42",
        // The last: the hlt after the power-off never runs, and the trace does not show it
        // (the engine reaches its hook before the stop takes effect; the machine drops it).
        "ffffffff8010010c test_body+0xc                    e7 f4                 out 0xf4, eax",
    };
    CHECK(lines == expected);
}

TEST_CASE("syscall lines take the number and arguments from the registers", "[trace][machine]")
{
    auto machine = interrupting_machine();
    auto set = [&](int reg, uint64_t value) {
        REQUIRE_FALSE(machine->write_engine_register(reg, {reinterpret_cast<const uint8_t*>(&value), 8}).is_error());
    };
    set(UC_X86_REG_RAX, 175);
    set(UC_X86_REG_RDI, 0x402000);
    set(UC_X86_REG_RSI, 0x1f40);
    set(UC_X86_REG_RDX, 0x401000);
    set(UC_X86_REG_R10, 0);
    set(UC_X86_REG_R8, 0);
    set(UC_X86_REG_R9, 0);
    std::vector<std::string> lines;
    Tracer tracer = collecting_tracer(lines, "user");
    TraceObserver observer(tracer, *machine);
    observer.syscall(0x401234);
    observer.syscall_return(0x401236, static_cast<uint64_t>(-17));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "--- syscall 175 init_module(0x402000, 0x1f40, 0x401000, 0x0, 0x0, 0x0) at 0000000000401234");
    CHECK(lines[1] == "--- syscall 175 init_module returned -17 (EEXIST)");
}

TEST_CASE("syscall names follow Linux's x86-64 numbers", "[trace]")
{
    CHECK(linux_syscall_name(0) == "read");
    CHECK(linux_syscall_name(103) == "syslog");
    CHECK(linux_syscall_name(169) == "reboot");
    CHECK(linux_syscall_name(175) == "init_module");
    CHECK(linux_syscall_name(176) == "delete_module");
    CHECK(linux_syscall_name(999).empty());
}
