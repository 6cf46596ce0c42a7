#include "summary.h"

#include <harness/guest_requests.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lkmemu::session {

namespace {

constexpr size_t kCrashReportConsoleLines = 20;

// The last `count` lines of the console, for a crash report.
std::string last_lines(const std::string& text, size_t count)
{
    size_t at = text.size();
    if (at > 0 && text[at - 1] == '\n')
        --at;
    while (count-- > 0 && at > 0) {
        size_t newline = text.rfind('\n', at - 1);
        if (newline == std::string::npos) {
            at = 0;
            break;
        }
        at = newline;
    }
    return text.substr(at == 0 ? 0 : at + 1);
}

std::string format_registers(const Registers& r)
{
    return fmt::format(
        "RIP: {:04x}:{:016x} RSP: {:04x}:{:016x} RFLAGS: {:08x}\n"
        "RAX: {:016x} RBX: {:016x} RCX: {:016x}\n"
        "RDX: {:016x} RSI: {:016x} RDI: {:016x}\n"
        "RBP: {:016x} R08: {:016x} R09: {:016x}\n"
        "R10: {:016x} R11: {:016x} R12: {:016x}\n"
        "R13: {:016x} R14: {:016x} R15: {:016x}\n"
        "CR0: {:016x} CR2: {:016x} CR3: {:016x} CR4: {:016x} EFER: {:x}\n",
        r.cs, r.rip, r.ss, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.r8,
        r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.cr0, r.cr2, r.cr3, r.cr4, r.efer);
}

} // namespace

const char* stop_reason_name(StopReason reason)
{
    switch (reason) {
    case StopReason::PowerOff:
        return "poweroff";
    case StopReason::Panic:
        return "panic";
    case StopReason::TripleFault:
        return "triple-fault";
    case StopReason::Dead:
        return "dead";
    case StopReason::EmulatorError:
        return "emulator-error";
    case StopReason::Stopped:
        return "stopped";
    case StopReason::Breakpoint:
        return "breakpoint";
    case StopReason::Watchpoint:
        return "watchpoint";
    case StopReason::Step:
        return "step";
    }
    return "unknown";
}

bool Summary::guest_crashed() const { return stop.reason != StopReason::PowerOff || stop.guest_status != 0; }

ExitStatus Summary::exit_status() const
{
    if (guest_crashed())
        return kExitGuestCrashed;
    return commands_succeeded ? kExitOk : kExitCommandFailed;
}

nlohmann::json Summary::to_json() const
{
    nlohmann::json entries = nlohmann::json::array();
    for (const CommandResult& result : commands) {
        nlohmann::json entry = {
            {"command", result.command}, {"ran", result.ran},   {"ok", result.ok},
            {"status", result.status},   {"output", result.output}, {"error", result.error},
            {"wall_ms", result.wall_ms}, {"guest_instructions", result.guest_instructions},
        };
        entry["errno"] = result.status < 0 ? nlohmann::json(errno_name(-result.status)) : nlohmann::json();
        entries.push_back(entry);
    }
    return {
        {"exit_status", static_cast<int>(exit_status())},
        {"stop", {{"reason", stop_reason_name(stop.reason)}, {"guest_status", stop.guest_status},
                  {"message", stop.message}}},
        {"commands", entries},
        {"console", console},
        {"boot", {{"wall_ms", boot.wall_ms},
                  {"user_mode_reached", boot.user_mode_reached},
                  {"guest_instructions", boot.guest_instructions}}},
    };
}

std::string Summary::crash_report() const
{
    if (!guest_crashed())
        return {};
    return fmt::format("lkmemu: guest crashed ({}): {}\n", stop_reason_name(stop.reason), stop.message)
           + "--- last console lines ---\n" + last_lines(console, kCrashReportConsoleLines) + "\n"
           + "--- registers ---\n" + format_registers(registers);
}

} // namespace lkmemu::session
