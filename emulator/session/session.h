// A session: boot the kernel, run commands against it through the harness (emulator/harness/),
// optionally under gdb or the tracer, and sum up how it went. `lkmemu run` is options -> Session
// -> print; tests drive sessions in-process the same way.
//
//   auto session = LKMEMU_TRY(Session::create(options)); // the machine is built, not yet run
//   Summary summary = session->run();                     // until power-off or crash
//   summary.exit_status(), summary.to_json(), summary.crash_report()
#pragma once

#include "debug_options.h"
#include "run_limits.h"
#include "summary.h"

#include <harness/command_runner.h>
#include <machine/machine.h>
#include <support/result.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu::session {

class DebugSession;

struct SessionOptions {
    std::string kernel_path; // the kernel ELF to boot
    std::string cmdline;     // the kernel command line (--append)
    // --initrd: the initramfs the kernel unpacks at boot (a newc cpio archive, docs/userland.md);
    // unset: none. (`lkmemu run` defaults to the build's initramfs.cpio, --initrd none to boot
    // without.) A snapshot resumes only with the initrd it was booted with.
    std::optional<std::string> initrd;
    uint64_t memory_mib = 128;
    // --realtime: guest time paced to the wall clock (a halt waits for real). Also the case with
    // a command_source (an interactive console). Otherwise guest time is virtual.
    bool realtime = false;
    // The commands to run: "cmd; cmd" or a file of them, one per line (at most one of the two).
    std::optional<std::string> commands;
    std::optional<std::string> script;
    // --stop-on-error: power off after the first command that is not ok; the rest are not run.
    bool stop_on_error = false;
    DebugOptions debug; // --gdb, --gdb-wait, --trace, --trace-filter
    // Snapshots (docs/machine.md, "Snapshots"). `snapshot`: resume the machine from this file
    // instead of booting (`lkmemu run --snapshot FILE`; the kernel must be the one it was made
    // from, the memory size the same, the command line empty or the snapshot's).
    // `save_snapshot`: once the commands are done, write the machine to this file at the next
    // request point, then power off as usual (`lkmemu snapshot save FILE`); not with --gdb,
    // --realtime or an interactive console.
    std::optional<std::string> snapshot;
    std::optional<std::string> save_snapshot;
    // Where the tracer looks for module NAME's .ko (NAME.ko) when no insmod named its file.
    std::optional<std::string> modules_dir;
    // Time limits in guest time (run_limits.h); none by default. Not applied under --gdb, where
    // the debugger holds the machine as long as it likes.
    RunLimits limits;

    // What the session tells as it goes; each may be left empty.
    std::function<void(std::string_view)> console_listener; // the UART's output, live
    Machine::ConsoleInput console_input; // the UART's input (a terminal): Machine::set_console_input
    CommandRunner::OutputSink output_sink;                  // each command's result as it ends
    LogSink log;                                            // the session's own lines (gdb: ...)
    // Where commands come from once the given ones are done (an interactive console); without
    // one the machine powers off after the last command.
    CommandRunner::CommandSource command_source;
    // Called each time the guest asks for its next request, before it is answered: the guest is
    // stopped in init's read() then, so the machine is quiescent and may be inspected. (During a
    // `sleep` the guest asks again and again: the hook is called once more when the sleep ends.)
    std::function<void(Machine&)> before_request;
};

class Session final : private HarnessHost {
public:
    // Reads the commands, builds the machine, opens the trace and listens for gdb. Errors say
    // what and why, ready to print: an unreadable script, a command line with unbalanced quotes,
    // a missing or corrupt kernel, a bad --gdb address or --trace-filter.
    static Result<std::unique_ptr<Session>> create(SessionOptions options);
    ~Session() override;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Runs the machine until it stops for good (power-off, crash, gdb ended it, a time limit or
    // interrupt()). Once. An exception from the host's side of the harness (a command, a sink,
    // a hook) ends the run as an emulator error that names it.
    Summary run();
    // Thread-safe (e.g. from a signal-watching thread; not from a signal handler itself): stop
    // the run as soon as the CPU can be stopped; the summary records the signal. Not under --gdb.
    void interrupt(int signal);

    // The machine, for inspecting it before or after the run.
    Machine& machine() { return *m_machine; }
    const Machine& machine() const { return *m_machine; }

private:
    Session(std::unique_ptr<Machine> machine, std::vector<Command> commands,
            std::chrono::steady_clock::time_point started);

    // HarnessHost: the runner answers, after the before_request hook has looked.
    std::vector<uint8_t> next_request(Machine&) override;
    std::optional<std::vector<uint8_t>> try_next_request(Machine&) override;
    std::unique_ptr<HarnessData> take_request_data() override { return m_runner.take_request_data(); }
    void on_response(Machine& machine, int32_t status, std::string_view text) override
    {
        on_answer(machine, status, 0, text);
    }
    void on_answer(Machine&, int32_t status, uint32_t flags, std::string_view text) override;
    // An exception escaped the runner: remember it, and let the guest power off.
    std::vector<uint8_t> host_failed(const std::exception&);
    // Runs the machine; returns how it stopped, and what the session cut off (limit, signal).
    RunResult run_machine(std::optional<Cutoff>& cut_off);
    void update_time_limit(); // tells the machine where the next limit is (session.cpp)

    std::unique_ptr<Machine> m_machine;
    CommandRunner m_runner;
    std::function<void(Machine&)> m_before_request;
    std::unique_ptr<DebugSession> m_debug; // after m_machine: it is destroyed first
    std::optional<std::string> m_resumed_from, m_save_to;
    std::string m_initrd; // its path; empty: none
    uint64_t m_initrd_size = 0;
    bool m_holding_for_snapshot = false; // the guest was told to wait and the machine to stop
    std::chrono::steady_clock::time_point m_started;
    RunLimits m_limits;
    bool m_gdb = false;
    std::atomic<int> m_interrupted {0}; // the signal interrupt() was given
    std::optional<std::string> m_host_error;
    std::string m_kernel_path;
    trace::MachineSymbolizer::ModuleFileFinder m_find_module_file; // for where a cut-off run stopped
};

} // namespace lkmemu::session
