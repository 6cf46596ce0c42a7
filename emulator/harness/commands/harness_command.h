// The harness's commands: one table row per command (its name, usage, summary and parser), and
// one object per command in flight (its parsed arguments, how it builds its request for init or
// runs on the host, and how it explains a failure in the words of the tool it stands for).
//
// Adding a command is one row in command_table.cpp and its class (a GuestCommand that builds a
// request, or a HostCommand that runs here); help lists it from the row.
#pragma once

#include "harness/command.h"
#include "harness/guest_requests.h"

#include <support/result.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu {

class KernelSymbols;
class Machine;

// What a command may use on the host. The guest is stopped in init's read() meanwhile.
class HostContext {
public:
    virtual Machine& machine() = 0;
    virtual const KernelSymbols& kernel_symbols() = 0;
    // No more commands after this one: the guest's next request is POWEROFF.
    virtual void power_off() = 0;
    // init's next request is answered only once `ns` more guest time has passed, the CPU idle
    // meanwhile (timers tick, their callbacks run): `sleep`.
    virtual void let_guest_time_pass(uint64_t ns) = 0;

protected:
    ~HostContext() = default;
};

// A command in flight: its parsed arguments, from start to its result.
class HarnessCommand {
public:
    virtual ~HarnessCommand() = default;

    // A guest command returns its request for init; a host command does its work now, fills in
    // `result` and returns nullopt. A command that cannot start fills in result.error.
    virtual std::optional<GuestRequest> start(HostContext&, CommandResult& result) = 0;
    // init's answer to the request: the text is the output, or for a failed call the kernel's
    // reason, shown after the failure in the tool's words. A positive status is the wait status
    // of the child init ran the request in (abi/lkmemu/harness.h); flags: the answer's
    // LKMEMU_HARNESS_RESPONSE_*.
    void finish(int32_t status, uint32_t flags, std::string_view text, CommandResult& result) const;
    void finish(int32_t status, std::string_view text, CommandResult& result) const { finish(status, 0, text, result); }

protected:
    explicit HarnessCommand(std::string_view name) : m_name(name) {}
    std::string_view name() const { return m_name; }
    // The failure as the tool words it. By default: "NAME: strerror (ENAME): reason".
    virtual std::string explain_failure(int errno_value, std::string_view reason) const;
    // The output as the tool prints it, from init's text. By default the text itself.
    virtual std::string format_output(std::string_view text) const { return std::string(text); }
    // The failure when init could not open the request's path (LKMEMU_HARNESS_RESPONSE_NOT_OPENED).
    virtual std::string explain_open_failure(int errno_value) const { return explain_failure(errno_value, {}); }
    // The end of the child that ran the request, when it is a failure: "NAME: exit status 3",
    // "NAME: killed by signal 11 (SIGSEGV)", then init's text (the kernel's reason) if any.
    virtual std::string explain_child_end(int wait_status, std::string_view reason) const;
    // Whether the command is a program's run, whose exit status is reported even when it is 0.
    virtual bool reports_exit_status() const { return false; }

private:
    std::string_view m_name;
};

// A command answered by init: it only builds the request (which may fail, e.g. an unreadable
// module file: the error is printed as it is).
class GuestCommand : public HarnessCommand {
public:
    std::optional<GuestRequest> start(HostContext&, CommandResult& result) final;

protected:
    using HarnessCommand::HarnessCommand;
    virtual Result<GuestRequest> request() const = 0;
};

// A command the host answers from guest memory (or by itself), while the guest waits.
class HostCommand : public HarnessCommand {
public:
    std::optional<GuestRequest> start(HostContext& context, CommandResult& result) final
    {
        run(context, result);
        return std::nullopt;
    }

protected:
    using HarnessCommand::HarnessCommand;
    virtual void run(HostContext&, CommandResult& result) = 0;
};

enum class CommandSide { guest, host }; // help lists them apart

struct CommandSpec {
    std::string_view name;
    std::string_view usage;   // "rmmod [-f] [-w] NAME"
    std::string_view summary; // help's description
    CommandSide side;
    // The command in flight for `words` (words[0] is the name), or nullptr for a wrong use:
    // then "NAME: usage: USAGE" is printed.
    std::unique_ptr<HarnessCommand> (*parse)(const CommandSpec&, const std::vector<std::string>& words);
};

// Every command, in help's order.
std::span<const CommandSpec> command_table();
const CommandSpec* find_command(std::string_view name);
// The command in flight for `command`, or what to print: an unknown command, a wrong use.
Result<std::unique_ptr<HarnessCommand>> parse_command(const Command& command);

namespace commands {
// A guest signal's name (Linux's numbering, abi/lkmemu/signal.h): "SIGSEGV", or "signal 40".
// (program_commands.cpp)
std::string guest_signal_name(int signal);
// How a shell words a child's end: "exit status 3", "killed by signal 11 (SIGSEGV)".
std::string child_end_text(int wait_status);
// A duration as `sleep` and the session's time limits take it: "500ms", "3s", "5m", "1.5"
// (seconds), in nanoseconds; nullopt if malformed. (host_commands.cpp)
std::optional<uint64_t> parse_duration(std::string_view text);
} // namespace commands
// help's text, from the table.
std::string help_text();

} // namespace lkmemu
