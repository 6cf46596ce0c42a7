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
    // reason, shown after the failure in the tool's words.
    void finish(int32_t status, std::string_view text, CommandResult& result) const;

protected:
    explicit HarnessCommand(std::string_view name) : m_name(name) {}
    std::string_view name() const { return m_name; }
    // The failure as the tool words it. By default: "NAME: strerror (ENAME): reason".
    virtual std::string explain_failure(int errno_value, std::string_view reason) const;
    // The output as the tool prints it, from init's text. By default the text itself.
    virtual std::string format_output(std::string_view text) const { return std::string(text); }

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
// A duration as `sleep` and the session's time limits take it: "500ms", "3s", "5m", "1.5"
// (seconds), in nanoseconds; nullopt if malformed. (host_commands.cpp)
std::optional<uint64_t> parse_duration(std::string_view text);
} // namespace commands
// help's text, from the table.
std::string help_text();

} // namespace lkmemu
