#include "run_command.h"

#include <harness/command.h>
#include <harness/command_runner.h>
#include <harness/guest_requests.h>
#include <machine/machine.h>
#include <support/file_contents.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace lkmemu::cli {

namespace {

std::string default_kernel_path()
{
    // build/bin/lkmemu boots build/bin/kernel.elf unless told otherwise.
    std::error_code ec;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec)
        return "kernel.elf";
    return (self.parent_path() / "kernel.elf").string();
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

bool load_commands(const RunOptions& options, std::vector<Command>& commands)
{
    std::string text;
    if (options.commands) {
        text = *options.commands;
    } else if (options.script) {
        auto contents = read_file_contents(*options.script);
        if (contents.is_error()) {
            std::cerr << fmt::format("lkmemu: cannot read script {}: {}\n", *options.script, contents.error().message);
            return false;
        }
        text.assign(contents.value().begin(), contents.value().end());
    }
    CommandParseError error;
    if (!parse_commands(text, commands, error)) {
        std::cerr << "lkmemu: " << error.message << "\n";
        return false;
    }
    return true;
}

// Where module NAME's .ko is on the host, for the tracer's module symbols: the file an insmod
// command named (as kmod does, the module is named after the file), else the modules directory
// next to the binaries (build/bin/lkmemu -> build/modules/NAME.ko).
trace::MachineSymbolizer::ModuleFileFinder module_file_finder(const std::vector<Command>& commands)
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
    std::filesystem::path modules = std::filesystem::path(default_kernel_path()).parent_path().parent_path() / "modules";
    return [named = std::move(named), modules](std::string_view name) -> std::optional<std::string> {
        if (auto it = named.find(name); it != named.end())
            return it->second;
        std::filesystem::path candidate = modules / (std::string(name) + ".ko");
        std::error_code ec;
        if (std::filesystem::is_regular_file(candidate, ec))
            return candidate.string();
        return std::nullopt;
    };
}

nlohmann::json summary_json(int exit_status, const RunResult& stop, const Machine& machine,
                            const std::vector<CommandResult>& results, double wall_ms)
{
    nlohmann::json commands = nlohmann::json::array();
    for (const CommandResult& result : results) {
        nlohmann::json entry = {
            {"command", result.command}, {"ran", result.ran},   {"ok", result.ok},
            {"status", result.status},   {"output", result.output}, {"error", result.error},
            {"wall_ms", result.wall_ms}, {"guest_instructions", result.guest_instructions},
        };
        entry["errno"] = result.status < 0 ? nlohmann::json(errno_name(-result.status)) : nlohmann::json();
        commands.push_back(entry);
    }
    return {
        {"exit_status", exit_status},
        {"stop", {{"reason", stop_reason_name(stop.reason)}, {"guest_status", stop.guest_status},
                  {"message", stop.message}}},
        {"commands", commands},
        {"console", machine.console_text()},
        {"boot", {{"wall_ms", wall_ms},
                  {"user_mode_reached", machine.user_mode_reached()},
                  {"guest_instructions", machine.guest_instructions()}}},
    };
}

} // namespace

void add_run_options(CLI::App& run, RunOptions& options)
{
    run.add_option("--kernel", options.kernel, "Kernel ELF to boot (default: kernel.elf next to lkmemu)");
    run.add_option("--append", options.append, "Kernel command line");
    run.add_option("--memory", options.memory_mib, "Guest RAM in MiB")->check(CLI::Range(16, 4096));
    auto* commands = run.add_option("-c,--commands", options.commands, "Commands to run, separated by ';'");
    auto* script = run.add_option("--script", options.script, "File of commands, one per line");
    commands->excludes(script);
    run.add_option("--json", options.json, "Write a JSON summary to FILE ('-' for standard output)");
    run.add_flag("--console", options.console, "Echo the guest's console to standard error as it runs");
    add_debug_options(run, options.debug);
}

int run_machine(const RunOptions& options)
{
    std::vector<Command> commands;
    if (!load_commands(options, commands))
        return kExitUsageOrIo;

    MachineConfig config;
    config.kernel_path = options.kernel.empty() ? default_kernel_path() : options.kernel;
    config.cmdline = options.append;
    config.memory_mib = options.memory_mib;

    auto start = std::chrono::steady_clock::now();
    auto created = Machine::create(config);
    if (created.is_error()) {
        std::cerr << "lkmemu: " << created.error().message << "\n";
        return kExitUsageOrIo;
    }
    std::unique_ptr<Machine> machine = created.release_value();

    bool interactive = !options.commands && !options.script && isatty(STDIN_FILENO);
    if (options.console || interactive)
        machine->set_console_listener([](std::string_view text) { std::cerr << text << std::flush; });

    auto find_module_file = module_file_finder(commands);
    CommandRunner runner(std::move(commands));
    runner.set_kernel_path(config.kernel_path);
    bool to_stdout = !(options.json && *options.json == "-");
    runner.set_output_sink([to_stdout](const CommandResult& result) {
        std::ostream& out = to_stdout ? std::cout : std::cerr;
        out << result.output << std::flush;
        if (!result.error.empty())
            std::cerr << result.error << "\n";
    });
    if (interactive) {
        runner.set_command_source([]() -> std::optional<std::string> {
            std::cerr << "lkmemu> " << std::flush;
            std::string line;
            if (!std::getline(std::cin, line))
                return std::nullopt;
            return line;
        });
    }
    machine->set_harness_host(&runner);

    auto debug = DebugSession::start(options.debug, *machine, config.kernel_path, std::move(find_module_file));
    if (debug.is_error()) {
        std::cerr << "lkmemu: " << describe(debug.error()) << "\n";
        return kExitUsageOrIo;
    }
    RunResult stop = debug.value()->run();
    double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::vector<CommandResult> results = runner.results();

    int exit_status = kExitOk;
    if (stop.reason != StopReason::PowerOff || stop.guest_status != 0) {
        exit_status = kExitGuestCrashed;
        std::cerr << fmt::format("lkmemu: guest crashed ({}): {}\n", stop_reason_name(stop.reason), stop.message);
        std::cerr << "--- last console lines ---\n" << last_lines(machine->console_text(), 20) << "\n";
        std::cerr << "--- registers ---\n" << format_registers(machine->registers());
    } else if (!runner.all_succeeded()) {
        exit_status = kExitCommandFailed;
    }
    for (const CommandResult& result : results)
        if (!result.ran)
            std::cerr << fmt::format("lkmemu: {}: {}\n", result.command, result.error);

    if (options.json) {
        std::string text = summary_json(exit_status, stop, *machine, results, wall_ms).dump(2) + "\n";
        if (*options.json == "-") {
            std::cout << text;
        } else {
            std::ofstream file(*options.json);
            if (!(file << text)) {
                std::cerr << fmt::format("lkmemu: cannot write {}\n", *options.json);
                return kExitUsageOrIo;
            }
        }
    }
    return exit_status;
}

} // namespace lkmemu::cli
