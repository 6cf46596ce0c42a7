// `lkmemu run`: its options, and options -> Session -> print (README, "Use").
#pragma once

#include <session/session.h>

#include <optional>
#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace lkmemu::cli {

struct RunOptions {
    // --kernel (default: kernel.elf next to the lkmemu binary), --append, --memory, -c or
    // --script, --gdb, --gdb-wait, --trace, --trace-filter.
    session::SessionOptions session;
    std::optional<std::string> json; // --json FILE, or "-" for stdout
    bool console = false;            // --console: echo the guest console live to stderr
    // --command-timeout, --timeout: durations of guest time as `sleep` takes them, "0" for none.
    // Unset: kDefaultCommandTimeout and kDefaultTimeout for commands given with -c or --script,
    // none for an interactive console.
    std::optional<std::string> command_timeout;
    std::optional<std::string> timeout;
    // --init PATH: the kernel runs PATH from the guest's file system as init (init=PATH) on its
    // console, which is this terminal (host_terminal.h); no harness commands then.
    std::optional<std::string> init;
};

// Past the kernel's soft-lockup report (20 s stuck, kernel/watchdog.cpp), so that a stuck command
// shows it before it is stopped; 60 M guest instructions, a few seconds of wall time.
inline constexpr const char* kDefaultCommandTimeout = "60s";
// Boot, every command and every sleep together; long scripts raise it (or pass 0).
inline constexpr const char* kDefaultTimeout = "60m";

void add_run_options(CLI::App& run, RunOptions& options);
// kernel.elf next to the lkmemu binary: what `run` boots and `check` links against by default.
std::string default_kernel_path();
// Runs the session and prints what it did; returns the exit status.
int run_session(RunOptions options);

} // namespace lkmemu::cli
