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
    // The kernel ELF the machine booted, for naming kernel sections in vmmap. Its symbols are
    // read when an inspection command first needs them, not at every boot.
    void set_kernel_path(const std::string& path) { m_kernel_path = path; }

    // HarnessHost
    // Answers at once: after a `sleep`, guest time is advanced by what is left of it (as a stall).
    std::vector<uint8_t> next_request(Machine&) override;
    // nullopt while a `sleep` lets guest time pass (the guest idles and asks again).
    std::optional<std::vector<uint8_t>> try_next_request(Machine&) override;
    // Whether a `sleep` still holds init's next request.
    bool sleeping(const Machine&) const;
    void on_response(Machine&, int32_t status, std::string_view text) override;

    // After Machine::run(): one result per command given (and per console line), in order.
    std::vector<CommandResult> results() const;
    bool all_succeeded() const;

private:
    // The guest command whose request init is serving.
    struct InFlight {
        std::unique_ptr<HarnessCommand> command;
        size_t result; // index into m_results
        std::chrono::steady_clock::time_point started;
        uint64_t started_instructions;
    };

    std::optional<Command> take_next_command();
    // Starts a parsed command: its encoded request for init, or nullopt once it is done (on the
    // host, or refused before it reached the guest).
    std::optional<std::vector<uint8_t>> start(HarnessCommand&, CommandResult&);
    void finish(const CommandResult&);

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
    Machine* m_machine = nullptr; // while next_request runs
    bool m_powered_off = false;
    std::optional<uint64_t> m_sleep_until_ns; // guest time at which a `sleep` ends
};

} // namespace lkmemu
