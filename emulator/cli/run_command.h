// `lkmemu run`: boot the kernel, run commands against it, report.
#pragma once

#include "debug_session.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace lkmemu::cli {

// Exit statuses of `lkmemu run` (README, "Exit status").
enum ExitStatus {
    kExitOk = 0,
    kExitCommandFailed = 1,
    kExitUsageOrIo = 2,
    kExitGuestCrashed = 3,
};

struct RunOptions {
    std::string kernel;                // default: kernel.elf next to the lkmemu binary
    std::string append;                // kernel command line
    uint64_t memory_mib = 128;
    std::optional<std::string> commands; // -c "cmd; cmd"
    std::optional<std::string> script;   // --script FILE
    std::optional<std::string> json;     // --json FILE, or "-" for stdout
    bool console = false;              // echo the guest console live to stderr
    DebugOptions debug;                // --gdb, --gdb-wait, --trace, --trace-filter
};

void add_run_options(CLI::App& run, RunOptions& options);
int run_machine(const RunOptions& options);

} // namespace lkmemu::cli
