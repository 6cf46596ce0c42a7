// The host side of the harness: runs the user's commands against a booted machine.
//
// Each command is parsed once into the command in flight (commands/harness_command.h): a guest
// command becomes a request that the guest's init process reads from /dev/harness and answers by
// making real system calls (see abi/lkmemu/harness.h); the runner keeps the command until the
// answer comes and lets it word the result. Inspection commands (vmmap) are answered here, from
// guest memory, while the guest waits in its read() — so they observe a quiescent machine.
#pragma once

#include "command.h"
#include "commands/harness_command.h"
#include "kernel_symbols.h"

#include <machine/machine.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lkmemu {

class CommandRunner final : public HarnessHost, private HostContext {
public:
    // Where the next command comes from once the list given at construction is used up:
    // an interactive console returns lines here; nullopt means "no more" (power off).
    using CommandSource = std::function<std::optional<std::string>()>;
    using OutputSink = std::function<void(const CommandResult&)>;

    explicit CommandRunner(std::vector<Command> commands);

    void set_command_source(CommandSource source) { m_source = std::move(source); }
    void set_output_sink(OutputSink sink) { m_sink = std::move(sink); }
    // --stop-on-error: after the first command that is not ok (an `expect` measured), power off;
    // the rest are reported as not run.
    void set_stop_on_error(bool stop) { m_stop_on_error = stop; }
    // The kernel ELF the machine booted, for naming kernel sections in vmmap. Its symbols are
    // read when an inspection command first needs them, not at every boot.
    void set_kernel_path(const std::string& path) { m_kernel_path = path; }

    // HarnessHost
    // Answers at once: after a `sleep`, guest time is advanced by what is left of it (as a stall).
    std::vector<uint8_t> next_request(Machine&) override;
    // nullopt while a `sleep` lets guest time pass (the guest idles and asks again).
    std::optional<std::vector<uint8_t>> try_next_request(Machine&) override;
    std::unique_ptr<HarnessData> take_request_data() override { return std::move(m_request_data); }
    // Whether a `sleep` still holds init's next request.
    bool sleeping(const Machine&) const;
    // Whether every command given is done, with no source of more and no `sleep` or `poweroff`
    // pending: the next request would be the power-off. (Where `lkmemu snapshot save` stops.)
    bool at_end_of_commands(const Machine& machine) const
    {
        return !m_source && !m_powered_off && m_next >= m_pending.size() && !sleeping(machine);
    }
    void on_response(Machine& machine, int32_t status, std::string_view text) override
    {
        on_answer(machine, status, 0, text);
    }
    void on_answer(Machine&, int32_t status, uint32_t flags, std::string_view text) override;

    // After Machine::run(): one result per command given (and per console line), in order.
    std::vector<CommandResult> results() const;
    // The guest command whose answer has not come yet: its index in results() and the guest
    // time (Machine::guest_time_ns) at which it was handed to the guest. For the session's
    // per-command time limit and the summary of a run that stopped mid-command.
    struct Running {
        size_t result;
        uint64_t started_ns;
        uint64_t started_instructions;
    };
    std::optional<Running> running() const;
    bool all_succeeded() const;

private:
    // The guest command whose request init is serving.
    struct InFlight {
        std::unique_ptr<HarnessCommand> command;
        size_t result; // index into m_results
        std::chrono::steady_clock::time_point started;
        uint64_t started_instructions;
        uint64_t started_ns; // guest time
    };

    std::optional<Command> take_next_command();
    // Starts a parsed command: its encoded request for init, or nullopt once it is done (on the
    // host, or refused before it reached the guest).
    std::optional<std::vector<uint8_t>> start(HarnessCommand&, CommandResult&);
    // A command's end: its `expect` measured, the sink told, --stop-on-error applied.
    void finish(CommandResult&);
    // The command in flight when init asks for its next request instead of answering: failed.
    void abandon_in_flight(Machine&);

    // HostContext, for the command being started
    Machine& machine() override { return *m_machine; }
    const KernelSymbols& kernel_symbols() override;
    void power_off() override { m_powered_off = true; }
    void let_guest_time_pass(uint64_t ns) override { m_sleep_until_ns = m_machine->guest_time_ns() + ns; }

    std::vector<Command> m_pending;
    size_t m_next = 0;
    CommandSource m_source;
    OutputSink m_sink;
    std::string m_kernel_path;
    std::optional<KernelSymbols> m_kernel_symbols;
    std::vector<CommandResult> m_results;
    std::optional<InFlight> m_in_flight;
    std::unique_ptr<HarnessData> m_request_data; // of the request last handed out, until the device takes it
    Machine* m_machine = nullptr; // while next_request runs
    bool m_powered_off = false;
    bool m_stop_on_error = false;
    bool m_stopped_on_error = false; // a command failed under --stop-on-error
    std::optional<uint64_t> m_sleep_until_ns; // guest time at which a `sleep` ends
};

} // namespace lkmemu
