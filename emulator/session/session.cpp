#include "session.h"

#include "debug_session.h"

#include <harness/command.h>
#include <support/file_contents.h>

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

    // The boot's wall time counts building the machine: reading the kernel, the engine's setup.
    auto started = std::chrono::steady_clock::now();
    std::unique_ptr<Machine> machine = LKMEMU_TRY(Machine::create(MachineConfig {
        .kernel_path = options.kernel_path, .cmdline = options.cmdline, .memory_mib = options.memory_mib,
        .realtime = options.realtime || static_cast<bool>(options.command_source)}));
    std::unique_ptr<Session> session(new Session(std::move(machine), std::move(commands), started));

    if (options.console_listener)
        session->m_machine->set_console_listener(std::move(options.console_listener));
    CommandRunner& runner = session->m_runner;
    runner.set_kernel_path(options.kernel_path);
    if (options.output_sink)
        runner.set_output_sink(std::move(options.output_sink));
    if (options.command_source)
        runner.set_command_source(std::move(options.command_source));
    session->m_before_request = std::move(options.before_request);

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

Summary Session::run()
{
    Summary summary;
    summary.stop = m_debug->run();
    summary.boot.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m_started).count();
    summary.boot.user_mode_reached = m_machine->user_mode_reached();
    summary.boot.guest_instructions = m_machine->guest_instructions();
    summary.commands = m_runner.results();
    summary.commands_succeeded = m_runner.all_succeeded();
    summary.console = m_machine->console_text();
    summary.registers = m_machine->registers();
    return summary;
}

std::vector<uint8_t> Session::next_request(Machine& machine)
{
    if (m_before_request)
        m_before_request(machine);
    return m_runner.next_request(machine);
}

std::optional<std::vector<uint8_t>> Session::try_next_request(Machine& machine)
{
    if (m_before_request && !m_runner.sleeping(machine))
        m_before_request(machine);
    return m_runner.try_next_request(machine);
}

void Session::on_response(Machine& machine, int32_t status, std::string_view text)
{
    m_runner.on_response(machine, status, text);
}

} // namespace lkmemu::session
