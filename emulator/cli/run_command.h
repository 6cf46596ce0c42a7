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
};

void add_run_options(CLI::App& run, RunOptions& options);
// Runs the session and prints what it did; returns the exit status.
int run_session(RunOptions options);

} // namespace lkmemu::cli
