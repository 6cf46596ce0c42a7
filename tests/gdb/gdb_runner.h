// Runs Debian's gdb in batch mode against the stub serving a DebugTarget on a free loopback
// port, and returns what gdb printed. "PORT" in any argument becomes the port.
#pragma once

#include "gdb/debug_target.h"

#include <functional>
#include <string>
#include <vector>

namespace lkmemu::gdb::testing {

struct GdbRun {
    std::string output; // stdout and stderr together
    int status;         // as waitpid() reports it
};

struct GdbOptions {
    // gdb's own options beyond the batch defaults (e.g. {"-x", "script.gdb"}).
    std::vector<std::string> gdb_options;
    // What runs before those: gdb itself, or a script that execs it.
    std::vector<std::string> launcher;
    // If set, gdb gets SIGINT (a terminal's Ctrl-C) once this returns true; it is polled from
    // the test's thread while the stub's thread serves.
    std::function<bool()> interrupt_when;
};

GdbRun run_gdb(DebugTarget& target, const std::vector<std::string>& commands, GdbOptions options = {});

inline bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace lkmemu::gdb::testing
