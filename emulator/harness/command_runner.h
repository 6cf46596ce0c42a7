// The host side of the harness: runs the user's commands against a booted machine.
//
// Commands about the guest's state become requests that the guest's init process reads from
// /dev/harness and answers by making real system calls (see abi/lkmemu/
// harness.h). Inspection commands (vmmap) are answered here, from guest memory, while the guest
// waits in its read() — so they observe a quiescent machine.
#pragma once

#include "command.h"
#include "kernel_symbols.h"

#include <machine/machine.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lkmemu {

struct CommandResult {
    std::string command;  // as typed
    bool ran = false;     // false: the machine stopped before reaching it
    bool ok = false;
    int status = 0;       // what the guest returned (0 or -errno); 0 for host-side commands
    std::string output;   // what the command printed
    std::string error;    // why it failed, as printed to the user
    double wall_ms = 0;            // from handing the request to the guest to its answer
    uint64_t guest_instructions = 0; // executed by the guest meanwhile
};

class CommandRunner final : public HarnessHost {
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
    std::vector<uint8_t> next_request(Machine&) override;
    void on_response(Machine&, int32_t status, std::string_view text) override;

    // After Machine::run(): one result per command given (and per console line), in order.
    std::vector<CommandResult> results() const;
    bool all_succeeded() const;

private:
    std::optional<Command> take_next_command();
    // Runs a host-side command now; returns the request to send instead, if it is a guest command.
    std::optional<std::vector<uint8_t>> start(Machine&, const Command&, CommandResult&);
    void finish(CommandResult&);
    const KernelSymbols& kernel_symbols();

    std::vector<Command> m_pending;
    size_t m_next = 0;
    CommandSource m_source;
    OutputSink m_sink;
    std::string m_kernel_path;
    std::optional<KernelSymbols> m_kernel_symbols;
    std::vector<CommandResult> m_results;
    std::optional<size_t> m_awaiting; // index into m_results of the command the guest is running
    std::chrono::steady_clock::time_point m_started;
    uint64_t m_started_instructions = 0;
    bool m_powered_off = false;
};

} // namespace lkmemu
