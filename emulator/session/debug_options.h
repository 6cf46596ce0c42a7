// What a session is asked to debug: `--gdb [HOST:]PORT [--gdb-wait]`, `--trace FILE
// [--trace-filter F]` (docs/debugging.md). Kept apart from DebugSession so that what includes
// session.h does not include the gdb stub and the tracer.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lkmemu::session {

struct DebugOptions {
    std::optional<std::string> gdb;          // [HOST:]PORT
    bool gdb_wait = false;                   // hold the CPU at the first instruction for gdb
    std::optional<std::string> trace;        // FILE
    std::optional<std::string> trace_filter; // kernel | user | module:NAME | BEGIN-END
};

// Where the session's own lines go ("gdb: listening on HOST:PORT" ...), one line per call.
using LogSink = std::function<void(std::string_view line)>;

} // namespace lkmemu::session
