#include "summary.h"

#include "json_text.h"

#include <harness/commands/harness_command.h>
#include <harness/guest_requests.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>

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

std::string signal_name(int signal)
{
    switch (signal) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    }
    return fmt::format("signal {}", signal);
}

std::string seconds(uint64_t ns)
{
    if (ns % 1'000'000'000 == 0)
        return fmt::format("{} s", ns / 1'000'000'000);
    return fmt::format("{:g} s", static_cast<double>(ns) / 1e9);
}

const char* cutoff_reason_name(Cutoff::Kind kind)
{
    switch (kind) {
    case Cutoff::Kind::CommandLimit:
        return "command-timeout";
    case Cutoff::Kind::SessionLimit:
        return "timeout";
    case Cutoff::Kind::Signal:
        return "signal";
    }
    return "unknown";
}

// A text field, and beside it FIELD_base64 with the raw bytes when they are not valid UTF-8.
void add_text(nlohmann::json& object, const std::string& field, const std::string& bytes)
{
    object[field] = valid_utf8(bytes);
    if (!is_valid_utf8(bytes))
        object[field + "_base64"] = base64(bytes);
}

} // namespace

std::string Cutoff::message(const std::string& command) const
{
    std::string what;
    switch (kind) {
    case Kind::CommandLimit:
        what = fmt::format("{}: timed out: no answer after {} of guest time (--command-timeout)", command,
                           seconds(limit_ns));
        break;
    case Kind::SessionLimit:
        what = fmt::format("timed out: the session ran past {} of guest time (--timeout)", seconds(limit_ns));
        if (!command.empty())
            what += fmt::format(", in {}", command);
        break;
    case Kind::Signal:
        what = fmt::format("stopped by {}", signal_name(signal));
        if (!command.empty())
            what += fmt::format(" while the guest ran {}", command);
        break;
    }
    return what + fmt::format("; the CPU was at RIP {:#x}{}", rip, where.empty() ? "" : " " + where);
}

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

bool Summary::guest_crashed() const
{
    return !cut_off && (stop.reason != StopReason::PowerOff || stop.guest_status != 0);
}

int Summary::exit_status() const
{
    if (cut_off)
        return cut_off->kind == Cutoff::Kind::Signal ? kExitSignalBase + cut_off->signal : kExitTimedOut;
    if (guest_crashed())
        return kExitGuestCrashed;
    return commands_succeeded ? kExitOk : kExitCommandFailed;
}

nlohmann::json Summary::to_json() const
{
    nlohmann::json entries = nlohmann::json::array();
    for (size_t i = 0; i < commands.size(); ++i) {
        const CommandResult& result = commands[i];
        nlohmann::json entry = {
            {"command", valid_utf8(result.command)}, {"ran", result.ran}, {"ok", result.ok},
            {"error", valid_utf8(result.error)}, {"wall_ms", result.wall_ms},
            {"guest_instructions", result.guest_instructions},
        };
        add_text(entry, "output", result.output);
        // A command without an answer has no status: not 0 ("succeeded"), but null.
        bool const answered = result.ran && in_flight != i;
        entry["status"] = answered ? nlohmann::json(result.status) : nlohmann::json();
        entry["errno"] = answered && result.status < 0 ? nlohmann::json(errno_name(-result.status)) : nlohmann::json();
        // A child's end (exec, sh; an insmod whose child was killed): the shell's $? (the exit
        // code, or 128 + the signal) and the signal's name; null otherwise.
        entry["exit_status"] = result.exit_code  ? nlohmann::json(*result.exit_code)
                               : result.signal ? nlohmann::json(128 + *result.signal)
                                               : nlohmann::json();
        entry["signal"] = result.signal ? nlohmann::json(commands::guest_signal_name(*result.signal)) : nlohmann::json();
        // `expect ERRNO|fail CMD`: "EEXIST" or "fail" (ok says whether it was met), else null.
        entry["expect"] = result.expect ? nlohmann::json(expectation_text(*result.expect)) : nlohmann::json();
        if (answered)
            entry["outcome"] = "completed";
        else if (!result.ran)
            entry["outcome"] = "not-run";
        else if (cut_off)
            entry["outcome"] = cut_off->kind == Cutoff::Kind::Signal ? "interrupted" : "timed-out";
        else if (stop.reason == StopReason::Stopped)
            entry["outcome"] = "machine-stopped";
        else
            entry["outcome"] = "guest-died";
        entries.push_back(std::move(entry));
    }
    nlohmann::json cut = nlohmann::json();
    if (cut_off) {
        std::string command = in_flight ? commands[*in_flight].command : std::string();
        cut = {
            {"reason", cutoff_reason_name(cut_off->kind)},
            {"signal", cut_off->kind == Cutoff::Kind::Signal ? nlohmann::json(signal_name(cut_off->signal)) : nlohmann::json()},
            {"limit_s", cut_off->kind == Cutoff::Kind::Signal ? nlohmann::json() : nlohmann::json(static_cast<double>(cut_off->limit_ns) / 1e9)},
            {"message", valid_utf8(cut_off->message(command))},
            {"rip", fmt::format("{:#x}", cut_off->rip)},
            {"where", valid_utf8(cut_off->where)},
        };
    }
    nlohmann::json json = {
        {"exit_status", exit_status()},
        {"stop", {{"reason", stop_reason_name(stop.reason)}, {"guest_status", stop.guest_status},
                  {"message", valid_utf8(stop.message)}}},
        {"cut_off", cut},
        {"commands", entries},
        {"boot", {{"wall_ms", boot.wall_ms},
                  {"user_mode_reached", boot.user_mode_reached},
                  {"guest_instructions", boot.guest_instructions}}},
    };
    add_text(json, "console", console);
    json["initrd"] = initrd.empty() ? nlohmann::json()
                                    : nlohmann::json {{"path", valid_utf8(initrd)}, {"size", initrd_size}};
    if (!resumed_from.empty() || !saved_to.empty() || !snapshot_error.empty()) {
        auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(valid_utf8(s)); };
        json["snapshot"] = {{"resumed_from", or_null(resumed_from)}, {"saved_to", or_null(saved_to)},
                            {"error", or_null(snapshot_error)}};
    }
    return json;
}

std::string Summary::crash_report() const
{
    std::string headline;
    if (cut_off)
        headline = "lkmemu: " + cut_off->message(in_flight ? commands[*in_flight].command : std::string()) + "\n";
    else if (guest_crashed())
        headline = fmt::format("lkmemu: guest crashed ({}): {}\n", stop_reason_name(stop.reason), stop.message);
    else
        return {};
    return headline + "--- last console lines ---\n" + last_lines(console, kCrashReportConsoleLines) + "\n"
           + "--- registers ---\n" + format_registers(registers);
}

} // namespace lkmemu::session
