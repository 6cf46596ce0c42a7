#include "run_command.h"

#include "console.h"
#include "host_terminal.h"
#include "stop_signals.h"

#include <harness/commands/harness_command.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <poll.h>
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

// An lkmemu installed by `cmake --install` (cmake/Install.cmake) finds its kernel, initramfs and
// modules in PREFIX/lib/lkmemu/ rather than in the build tree's places; empty in the build tree.
std::filesystem::path installed_data_dir()
{
    std::error_code ec;
    std::filesystem::path const dir = binary_dir().parent_path() / "lib" / "lkmemu";
    if (std::filesystem::is_regular_file(binary_dir() / "kernel.elf", ec) ||
        !std::filesystem::is_regular_file(dir / "kernel.elf", ec))
        return {};
    return dir;
}

void print_to_stderr(std::string_view line) { std::cerr << line << "\n" << std::flush; }

} // namespace

std::string default_kernel_path()
{
    std::filesystem::path const installed = installed_data_dir();
    return ((installed.empty() ? binary_dir() : installed) / "kernel.elf").string();
}

void add_run_options(CLI::App& run, RunOptions& options)
{
    session::SessionOptions& session = options.session;
    run.add_option("--kernel", session.kernel_path, "Kernel ELF to boot (default: kernel.elf next to lkmemu)");
    run.add_option("--append", session.cmdline, "Kernel command line");
    run.add_option("--initrd", session.initrd,
                   "Initramfs FILE the kernel unpacks at boot, a newc cpio archive (default: initramfs.cpio of the "
                   "build, when there is one; 'none': boot without)");
    run.add_option("--memory", session.memory_mib, "Guest RAM in MiB")->check(CLI::Range(16, 4096));
    auto* commands = run.add_option("-c,--commands", session.commands,
                                    "Commands to run, separated by ';' (without -c or --script: read from standard "
                                    "input when it is not a terminal); `expect ERRNO|fail CMD` expects CMD to fail");
    auto* script = run.add_option("--script", session.script, "File of commands, one per line");
    commands->excludes(script);
    auto* init = run.add_option("--init", options.init,
                                "Run PATH of the guest's file system as init (the kernel's init=PATH), with the console "
                                "as this terminal: e.g. --init /bin/sh for an interactive busybox shell (Ctrl-A x quits)");
    init->excludes(commands)->excludes(script);
    run.add_flag("--stop-on-error", session.stop_on_error,
                 "After the first command that fails (or misses its expect), run no more: power off");
    run.add_option("--json", options.json, "Write a JSON summary to FILE ('-' for standard output)");
    run.add_flag("--console", options.console, "Echo the guest's console to standard error as it runs");
    run.add_flag("--realtime", session.realtime,
                 "Guest time follows the wall clock (default: virtual, 1 us per instruction, idle time skipped)");
    run.add_option("--snapshot", session.snapshot,
                   "Resume from a snapshot FILE (made by `lkmemu snapshot save`) instead of booting");
    run.add_option("--command-timeout", options.command_timeout,
                   fmt::format("Stop the machine when a command has had no answer after this much guest time "
                               "(e.g. 30s, 500ms, 5m; 0: no limit; default {} with -c/--script, none interactively)",
                               kDefaultCommandTimeout));
    run.add_option("--timeout", options.timeout,
                   fmt::format("Stop the machine after this much guest time in all (0: no limit; default {} "
                               "with -c/--script, none interactively)",
                               kDefaultTimeout));

    session::DebugOptions& debug = session.debug;
    run.add_option("--gdb", debug.gdb, "Serve the GDB remote protocol on [HOST:]PORT (port 0: any free port)");
    run.add_flag("--gdb-wait", debug.gdb_wait, "Hold the CPU at the kernel's first instruction until gdb continues")
        ->needs(run.get_option("--gdb"));
    run.add_option("--trace", debug.trace, "Write every executed instruction and event to FILE");
    run.add_option("--trace-filter", debug.trace_filter, "Trace only kernel | user | module:NAME | BEGIN-END")
        ->needs(run.get_option("--trace"));
}

namespace {

// --command-timeout / --timeout, or the default; an error message if malformed.
Result<uint64_t> time_limit(const std::optional<std::string>& given, const char* fallback, const char* option)
{
    std::string const text = given.value_or(fallback);
    auto ns = commands::parse_duration(text);
    if (!ns)
        return make_error(fmt::format("{}: invalid duration '{}' (e.g. 30s, 500ms, 5m; 0 for no limit)", option, text));
    return *ns;
}

// Writes the summary where --json said; false (and a message) if it could not be written.
bool write_json(const session::Summary& summary, const std::string& where, std::ofstream& file)
{
    std::string text = summary.to_json().dump(2) + "\n";
    if (where == "-") {
        std::cout << text << std::flush;
        return true;
    }
    if (!(file << text << std::flush)) {
        std::cerr << fmt::format("lkmemu: cannot write {}\n", where);
        return false;
    }
    return true;
}

int run_session_or_throw(RunOptions options);

// --init PATH: no harness commands; the guest's console is this terminal, both ways. The run
// ends when the guest does (init's exit is a kernel panic, as on Linux), at Ctrl-A x, or at a
// signal.
int run_guest_init(RunOptions options)
{
    session::SessionOptions& setup = options.session;
    if (setup.save_snapshot) {
        std::cerr << "lkmemu: --init runs a program as the guest's init: no snapshot can be saved from it\n";
        return session::kExitUsageOrIo;
    }
    setup.cmdline = (setup.cmdline.empty() ? "" : setup.cmdline + " ") + "init=" + *options.init;
    auto session_limit = time_limit(options.timeout, "0", "--timeout");
    if (session_limit.is_error()) {
        std::cerr << "lkmemu: " << session_limit.error().message << "\n";
        return session::kExitUsageOrIo;
    }
    setup.limits = {.command_ns = 0, .session_ns = session_limit.value()};
    // The guest's terminal output carries \r\n (its ONLCR); printk's lines only \n, which Linux's
    // serial console turns into \r\n on the wire. Here the host does it, for a raw terminal only,
    // so that the console text the machine records (and tests compare with QEMU's) stays as is.
    setup.console_listener = [raw = isatty(STDOUT_FILENO) != 0, last = '\0'](std::string_view text) mutable {
        std::string out;
        for (char c : text) {
            if (raw && c == '\n' && last != '\r')
                out.push_back('\r');
            out.push_back(last = c);
        }
        std::cout.write(out.data(), static_cast<std::streamsize>(out.size())).flush();
    };
    setup.log = print_to_stderr;

    std::optional<StopSignals> signals;
    signals.emplace();
    session::Session* running_session = nullptr;
    bool quit = false; // Ctrl-A x (set and read on the machine's thread, which runs the session)
    std::optional<HostTerminal> terminal;
    terminal.emplace([&running_session, &quit] {
        quit = true;
        if (running_session)
            running_session->machine().request_stop();
    });
    setup.console_input = [&terminal](std::chrono::nanoseconds max_wait) { return terminal->read_input(max_wait); };

    auto created = session::Session::create(std::move(setup));
    if (created.is_error()) {
        std::cerr << "lkmemu: " << created.error().message << "\n";
        return session::kExitUsageOrIo;
    }
    std::unique_ptr<session::Session> running = created.release_value();
    running_session = running.get();
    signals->watch([session = running.get()](int signal) { session->interrupt(signal); });
    session::Summary summary = running->run();
    signals.reset();  // the watcher ends before the session it calls
    terminal.reset(); // the host terminal's own modes again, before lkmemu's last words
    std::cout << std::flush;
    if (quit && summary.stop.reason == StopReason::Stopped && !summary.cut_off) {
        std::cerr << "\nlkmemu: quit (Ctrl-A x)\n";
        return session::kExitOk;
    }
    std::string const report = summary.crash_report();
    if (!report.empty())
        std::cerr << "\n" << report;
    return summary.exit_status();
}

} // namespace

// Every exception on the host's side ends here, with a message, as an I/O error; the session
// itself turns those from inside a run into its summary (Session::run).
int run_session(RunOptions options)
{
    try {
        return run_session_or_throw(std::move(options));
    } catch (const std::exception& error) {
        std::cerr << fmt::format("lkmemu: host error: {}\n", error.what());
        return session::kExitUsageOrIo;
    }
}

namespace {

int run_session_or_throw(RunOptions options)
{
    session::SessionOptions& setup = options.session;
    if (setup.kernel_path.empty())
        setup.kernel_path = default_kernel_path();
    std::filesystem::path const installed = installed_data_dir();
    setup.modules_dir = ((installed.empty() ? binary_dir().parent_path() : installed) / "modules").string();
    // The image the build makes (userland/initramfs/), unless told otherwise; a resumed
    // snapshot keeps the one it was booted with.
    if (setup.initrd == "none")
        setup.initrd.reset();
    else if (!setup.initrd && !setup.snapshot) {
        std::filesystem::path image = (installed.empty() ? binary_dir().parent_path() : installed) / "initramfs.cpio";
        std::error_code ec;
        if (std::filesystem::is_regular_file(image, ec))
            setup.initrd = image.string();
    }

    if (options.init)
        return run_guest_init(std::move(options));
    bool const interactive = !setup.save_snapshot && !setup.commands && !setup.script && isatty(STDIN_FILENO);
    // Commands piped in (`producer | lkmemu run`) are a script: read to the end of the input first.
    if (!setup.save_snapshot && !setup.commands && !setup.script && !interactive)
        setup.commands = std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    auto command_limit = time_limit(options.command_timeout, interactive ? "0" : kDefaultCommandTimeout, "--command-timeout");
    auto session_limit = time_limit(options.timeout, interactive ? "0" : kDefaultTimeout, "--timeout");
    for (const auto* limit : {&command_limit, &session_limit}) {
        if (limit->is_error()) {
            std::cerr << "lkmemu: " << limit->error().message << "\n";
            return session::kExitUsageOrIo;
        }
    }
    setup.limits = {.command_ns = command_limit.value(), .session_ns = session_limit.value()};

    // The --json file is opened (created) first: a path that cannot be written is reported now,
    // not after the whole session.
    std::ofstream json_file;
    if (options.json && *options.json != "-") {
        json_file.open(*options.json, std::ios::out | std::ios::trunc | std::ios::binary);
        if (!json_file) {
            std::cerr << fmt::format("lkmemu: cannot write {}: {}\n", *options.json, std::strerror(errno));
            return session::kExitUsageOrIo;
        }
    }

    // Before the machine is built, so that a signal during the boot is not lost; the watcher
    // starts once there is a session to interrupt (and ends before it does). Under --gdb too: a
    // SIGINT or SIGTERM to lkmemu (not gdb's Ctrl-C, which travels in the protocol) ends the run
    // wherever it is — waiting for gdb, stopped under it, or running — and the summary is written.
    std::unique_ptr<Console> console; // the interactive prompt (console.h); outlives the session
    std::unique_ptr<session::Session> running;
    std::optional<StopSignals> signals;
    signals.emplace();
    if (options.console || interactive)
        setup.console_listener = [](std::string_view text) { std::cerr << text << std::flush; };
    if (interactive) {
        console = Console::open(signals ? signals->fd() : -1);
        if (!console) {
            std::cerr << "lkmemu: cannot start the console's line editor (libedit)\n";
            return session::kExitUsageOrIo;
        }
        setup.command_source = [console = console.get()] { return console->read_line(); };
    }
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
    running = created.release_value();
    if (signals)
        signals->watch([session = running.get()](int signal) { session->interrupt(signal); });
    session::Summary summary = running->run();

    std::cerr << summary.crash_report();
    for (const CommandResult& result : summary.commands)
        if (!result.ran)
            std::cerr << fmt::format("lkmemu: {}: {}\n", result.command, result.error);

    if (!summary.snapshot_error.empty())
        std::cerr << "lkmemu: " << summary.snapshot_error << "\n";
    else if (!summary.saved_to.empty())
        std::cerr << "lkmemu: snapshot saved to " << summary.saved_to << "\n";

    if (options.json && !write_json(summary, *options.json, json_file))
        return session::kExitUsageOrIo;
    if (!summary.snapshot_error.empty() && summary.exit_status() == session::kExitOk)
        return session::kExitUsageOrIo;
    return summary.exit_status();
}

} // namespace

} // namespace lkmemu::cli
