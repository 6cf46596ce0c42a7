#include "session.h"

#include "debug_session.h"

#include <harness/command.h>
#include <harness/guest_requests.h>
#include <support/file_contents.h>

#include <lkmemu/harness.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace lkmemu::session {

namespace {

Result<std::vector<Command>> read_commands(const SessionOptions& options)
{
    if (options.commands && options.script)
        return make_error("commands and a script were both given: run one or the other");
    std::string text;
    if (options.commands) {
        text = *options.commands;
    } else if (options.script) {
        auto contents = read_file_contents(*options.script);
        if (contents.is_error())
            return make_error(fmt::format("cannot read script {}: {}", *options.script, contents.error().message));
        text.assign(contents.value().begin(), contents.value().end());
    }
    std::vector<Command> commands;
    CommandParseError error;
    if (!parse_commands(text, commands, error))
        return make_error(error.message);
    return commands;
}

// Where module NAME's .ko is on the host, for the tracer's module symbols: the file an insmod
// command named (as kmod does, the module is named after the file), else NAME.ko in the modules
// directory.
trace::MachineSymbolizer::ModuleFileFinder module_file_finder(const std::vector<Command>& commands,
                                                              std::optional<std::string> modules_dir)
{
    std::map<std::string, std::string, std::less<>> named;
    for (const Command& command : commands) {
        if (command.words.size() < 2 || command.name() != "insmod")
            continue;
        for (size_t i = 1; i < command.words.size(); ++i) {
            std::filesystem::path path(command.words[i]);
            if (path.extension() == ".ko") {
                std::string name = path.stem().string();
                std::replace(name.begin(), name.end(), '-', '_');
                named.emplace(name, path.string());
                break;
            }
        }
    }
    return [named = std::move(named), modules_dir = std::move(modules_dir)](std::string_view name) -> std::optional<std::string> {
        if (auto it = named.find(name); it != named.end())
            return it->second;
        if (!modules_dir)
            return std::nullopt;
        std::filesystem::path candidate = std::filesystem::path(*modules_dir) / (std::string(name) + ".ko");
        std::error_code ec;
        if (std::filesystem::is_regular_file(candidate, ec))
            return candidate.string();
        return std::nullopt;
    };
}

} // namespace

Result<std::unique_ptr<Session>> Session::create(SessionOptions options)
{
    std::vector<Command> commands = LKMEMU_TRY(read_commands(options));
    auto find_module_file = module_file_finder(commands, options.modules_dir);

    if (options.save_snapshot && (options.realtime || options.command_source || options.debug.gdb))
        return make_error("a snapshot is saved from a scripted run under virtual time: not with --realtime, --gdb "
                          "or an interactive console");

    // The boot's wall time counts building the machine: reading the kernel, the engine's setup.
    auto started = std::chrono::steady_clock::now();
    MachineConfig const config { .kernel_path = options.kernel_path, .cmdline = options.cmdline,
                                 .memory_mib = options.memory_mib,
                                 .realtime = options.realtime || static_cast<bool>(options.command_source),
                                 .initrd_path = options.initrd.value_or("") };
    std::unique_ptr<Machine> machine =
        LKMEMU_TRY(options.snapshot ? Machine::resume(config, *options.snapshot) : Machine::create(config));
    std::unique_ptr<Session> session(new Session(std::move(machine), std::move(commands), started));
    session->m_resumed_from = options.snapshot;
    if (options.initrd) {
        std::error_code ec;
        session->m_initrd = *options.initrd;
        session->m_initrd_size = std::filesystem::file_size(*options.initrd, ec); // the machine has read it
    }
    session->m_save_to = options.save_snapshot;

    if (options.console_listener)
        session->m_machine->set_console_listener(std::move(options.console_listener));
    if (options.console_input)
        session->m_machine->set_console_input(std::move(options.console_input));
    CommandRunner& runner = session->m_runner;
    runner.set_kernel_path(options.kernel_path);
    runner.set_stop_on_error(options.stop_on_error);
    if (options.output_sink)
        runner.set_output_sink(std::move(options.output_sink));
    if (options.command_source)
        runner.set_command_source(std::move(options.command_source));
    session->m_before_request = std::move(options.before_request);
    session->m_gdb = options.debug.gdb.has_value();
    session->m_limits = session->m_gdb ? RunLimits {} : options.limits;
    session->m_kernel_path = options.kernel_path;
    session->m_find_module_file = find_module_file;

    auto debugger = DebugSession::start(options.debug, *session->m_machine, options.kernel_path,
                                        std::move(find_module_file), std::move(options.log));
    if (debugger.is_error())
        return make_error(describe(debugger.error()));
    session->m_debug = debugger.release_value();
    return session;
}

Session::Session(std::unique_ptr<Machine> machine, std::vector<Command> commands,
                 std::chrono::steady_clock::time_point started)
    : m_machine(std::move(machine)), m_runner(std::move(commands)), m_started(started)
{
    m_machine->set_harness_host(this);
}

Session::~Session() = default;

// The guest time at which the next limit is reached: the session's, or the command in flight's
// if that comes first. The machine stops there itself (Machine::set_guest_time_limit), at the
// same instruction on every run; nothing polls.
void Session::update_time_limit()
{
    if (!m_limits.any())
        return;
    std::optional<uint64_t> at;
    if (m_limits.session_ns)
        at = m_limits.session_ns;
    if (auto running = m_runner.running(); running && m_limits.command_ns)
        at = std::min(at.value_or(UINT64_MAX), running->started_ns + m_limits.command_ns);
    m_machine->set_guest_time_limit(at);
}

RunResult Session::run_machine(std::optional<Cutoff>& cut_off)
{
    update_time_limit();
    for (;;) {
        RunResult stop = m_debug->run();
        if (stop.reason != StopReason::Stopped || m_host_error)
            return stop;
        if (int const signal = m_interrupted.load()) {
            cut_off = Cutoff {.kind = Cutoff::Kind::Signal, .signal = signal};
            return stop;
        }
        // Under gdb any other Stopped is gdb's (DebugSession serves those itself, or gdb killed
        // the run).
        if (m_gdb)
            return stop;
        if (m_holding_for_snapshot)
            return stop; // Session::run writes the snapshot, then runs on
        cut_off = limit_reached(m_limits, m_machine->guest_time_ns(), m_runner.running());
        if (cut_off || !m_limits.any())
            return stop;
        update_time_limit();
    }
}

void Session::interrupt(int signal)
{
    m_interrupted.store(signal);
    if (m_debug)
        m_debug->interrupt();
    m_machine->request_stop();
}

Summary Session::run()
{
    Summary summary;
    try {
        summary.stop = run_machine(summary.cut_off);
        if (m_holding_for_snapshot && !summary.cut_off && summary.stop.reason == StopReason::Stopped) {
            m_holding_for_snapshot = false;
            if (auto saved = m_machine->save_snapshot(*m_save_to); saved.is_error())
                summary.snapshot_error = saved.error().message;
            else
                summary.saved_to = *m_save_to;
            m_save_to.reset(); // the guest asks again and is told to power off
            summary.stop = run_machine(summary.cut_off);
        }
    } catch (const std::exception& error) {
        summary.stop = RunResult {StopReason::EmulatorError, 0, fmt::format("lkmemu: host error: {}", error.what())};
    }
    // A signal that ended the run some other way (an interactive prompt that gave up).
    if (!summary.cut_off && m_interrupted.load())
        summary.cut_off = Cutoff {.kind = Cutoff::Kind::Signal, .signal = m_interrupted.load()};
    if (m_host_error)
        summary.stop = RunResult {StopReason::EmulatorError, 0, *m_host_error};
    if (summary.cut_off) {
        trace::MachineSymbolizer symbols(*m_machine, KernelSymbols::read(m_kernel_path), m_find_module_file);
        locate_cpu(*m_machine, symbols, *summary.cut_off);
    }
    summary.boot.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m_started).count();
    summary.boot.user_mode_reached = m_machine->user_mode_reached();
    summary.boot.guest_instructions = m_machine->guest_instructions();
    summary.commands = m_runner.results();
    summary.commands_succeeded = m_runner.all_succeeded();
    if (auto running = m_runner.running()) {
        summary.in_flight = running->result;
        // What it ran for until the stop (its wall time is not known here: left 0).
        CommandResult& result = summary.commands[running->result];
        result.guest_instructions = summary.boot.guest_instructions - running->started_instructions;
        if (summary.cut_off)
            result.error = summary.cut_off->message(result.command);
    }
    summary.console = m_machine->console_text();
    summary.registers = m_machine->registers();
    summary.resumed_from = m_resumed_from.value_or("");
    summary.initrd = m_initrd;
    summary.initrd_size = m_initrd_size;
    if (m_save_to && summary.snapshot_error.empty())
        summary.snapshot_error = fmt::format("no snapshot was written to {}: the machine stopped ({}) before the "
                                             "commands were done",
                                             *m_save_to, stop_reason_name(summary.stop.reason));
    return summary;
}

// The runner is called from inside the CPU engine (the harness device's port I/O), where no
// exception may pass: each one is caught here, at the session's edge.
std::vector<uint8_t> Session::next_request(Machine& machine)
{
    try {
        if (m_before_request)
            m_before_request(machine);
        auto request = m_runner.next_request(machine);
        update_time_limit();
        return request;
    } catch (const std::exception& error) {
        return host_failed(error);
    }
}

std::optional<std::vector<uint8_t>> Session::try_next_request(Machine& machine)
{
    try {
        if (m_before_request && !m_runner.sleeping(machine))
            m_before_request(machine);
        if (m_save_to && m_runner.at_end_of_commands(machine)) {
            // The snapshot point: the driver is told to wait and the machine stops before it
            // halts, in ring 0 (machine/snapshot.h says why that matters).
            m_holding_for_snapshot = true;
            machine.request_stop();
            return std::nullopt;
        }
        auto request = m_runner.try_next_request(machine);
        update_time_limit();
        return request;
    } catch (const std::exception& error) {
        return host_failed(error);
    }
}

void Session::on_answer(Machine& machine, int32_t status, uint32_t flags, std::string_view text)
{
    try {
        m_runner.on_answer(machine, status, flags, text);
        update_time_limit();
    } catch (const std::exception& error) {
        host_failed(error);
        machine.request_stop();
    }
}

std::vector<uint8_t> Session::host_failed(const std::exception& error)
{
    if (!m_host_error)
        m_host_error = fmt::format("lkmemu: host error while serving the guest's requests: {}", error.what());
    // Cannot fail: a request without arguments or data is far below the harness's limit.
    return encode_request(GuestRequest {LKMEMU_HARNESS_OP_POWEROFF, 0, {}, {}}).release_value();
}

} // namespace lkmemu::session
