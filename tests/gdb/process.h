// Runs the lkmemu binary (and gdb against it) as child processes, for the command-line tests.
#pragma once

#include <string>
#include <vector>

namespace lkmemu::testing {

struct ProcessResult {
    std::string output; // stdout and stderr together
    int status = -1;    // the exit status, or -1 if it did not exit normally
};

// Runs argv[0] (a path) with stdin on /dev/null and waits for it.
ProcessResult run_process(const std::vector<std::string>& argv);

struct GdbSessionRun {
    ProcessResult lkmemu;
    ProcessResult gdb;
};

// Starts `lkmemu <lkmemu_args>` (which must listen with --gdb ...:0), reads the port from its
// "gdb: listening on HOST:PORT" line, runs gdb in batch mode on kernel.elf with each of
// `gdb_commands` as an -ex ("PORT" replaced by the port), and waits for both.
GdbSessionRun run_lkmemu_with_gdb(const std::vector<std::string>& lkmemu_args, const std::vector<std::string>& gdb_commands);

inline bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace lkmemu::testing
