#include "run_command.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace lkmemu::cli {

namespace {

// The folder of the running lkmemu binary: build/bin/lkmemu boots build/bin/kernel.elf and finds
// modules in build/modules unless told otherwise.
std::filesystem::path binary_dir()
{
    std::error_code ec;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path() : self.parent_path();
}

void print_to_stderr(std::string_view line) { std::cerr << line << "\n" << std::flush; }

std::optional<std::string> prompt_for_command()
{
    std::cerr << "lkmemu> " << std::flush;
    std::string line;
    if (!std::getline(std::cin, line))
        return std::nullopt;
    return line;
}

} // namespace

void add_run_options(CLI::App& run, RunOptions& options)
{
    session::SessionOptions& session = options.session;
    run.add_option("--kernel", session.kernel_path, "Kernel ELF to boot (default: kernel.elf next to lkmemu)");
    run.add_option("--append", session.cmdline, "Kernel command line");
    run.add_option("--memory", session.memory_mib, "Guest RAM in MiB")->check(CLI::Range(16, 4096));
    auto* commands = run.add_option("-c,--commands", session.commands, "Commands to run, separated by ';'");
    auto* script = run.add_option("--script", session.script, "File of commands, one per line");
    commands->excludes(script);
    run.add_option("--json", options.json, "Write a JSON summary to FILE ('-' for standard output)");
    run.add_flag("--console", options.console, "Echo the guest's console to standard error as it runs");
    run.add_flag("--realtime", session.realtime,
                 "Guest time follows the wall clock (default: virtual, 1 us per instruction, idle time skipped)");

    session::DebugOptions& debug = session.debug;
    run.add_option("--gdb", debug.gdb, "Serve the GDB remote protocol on [HOST:]PORT (port 0: any free port)");
    run.add_flag("--gdb-wait", debug.gdb_wait, "Hold the CPU at the kernel's first instruction until gdb continues")
        ->needs(run.get_option("--gdb"));
    run.add_option("--trace", debug.trace, "Write every executed instruction and event to FILE");
    run.add_option("--trace-filter", debug.trace_filter, "Trace only kernel | user | module:NAME | BEGIN-END")
        ->needs(run.get_option("--trace"));
}

int run_session(RunOptions options)
{
    session::SessionOptions& setup = options.session;
    if (setup.kernel_path.empty())
        setup.kernel_path = (binary_dir() / "kernel.elf").string();
    setup.modules_dir = (binary_dir().parent_path() / "modules").string();

    bool const interactive = !setup.commands && !setup.script && isatty(STDIN_FILENO);
    if (options.console || interactive)
        setup.console_listener = [](std::string_view text) { std::cerr << text << std::flush; };
    if (interactive)
        setup.command_source = prompt_for_command;
    // With the JSON on standard output, what commands print goes to standard error.
    bool const json_to_stdout = options.json && *options.json == "-";
    setup.output_sink = [json_to_stdout](const CommandResult& result) {
        (json_to_stdout ? std::cerr : std::cout) << result.output << std::flush;
        if (!result.error.empty())
            std::cerr << result.error << "\n";
    };
    setup.log = print_to_stderr;

    auto created = session::Session::create(std::move(setup));
    if (created.is_error()) {
        std::cerr << "lkmemu: " << created.error().message << "\n";
        return session::kExitUsageOrIo;
    }
    session::Summary summary = created.value()->run();

    std::cerr << summary.crash_report();
    for (const CommandResult& result : summary.commands)
        if (!result.ran)
            std::cerr << fmt::format("lkmemu: {}: {}\n", result.command, result.error);

    if (options.json) {
        std::string text = summary.to_json().dump(2) + "\n";
        if (json_to_stdout) {
            std::cout << text;
        } else {
            std::ofstream file(*options.json);
            if (!(file << text)) {
                std::cerr << fmt::format("lkmemu: cannot write {}\n", *options.json);
                return session::kExitUsageOrIo;
            }
        }
    }
    return summary.exit_status();
}

} // namespace lkmemu::cli
