// Every stuck run ends: time limits on a session, in guest time (docs/machine.md, "Guest time"),
// and a stop from outside (a signal, through Machine::request_stop, the thread-safe way in). The
// session tells the machine the guest time of the next limit (Machine::set_guest_time_limit);
// the machine stops there, at the same instruction on every run, and the session decides.
#pragma once

#include "summary.h"

#include <harness/command_runner.h>
#include <machine/machine.h>
#include <trace/machine_symbolizer.h>

#include <cstdint>
#include <optional>
#include <string>

namespace lkmemu::session {

struct RunLimits {
    uint64_t command_ns = 0; // a guest command without an answer after this long; 0: no limit
    uint64_t session_ns = 0; // the whole run, boot and sleeps included; 0: no limit
    bool any() const { return command_ns || session_ns; }
};

// The limit reached, if any, at guest time `now_ns` with `running` in flight.
std::optional<Cutoff> limit_reached(const RunLimits& limits, uint64_t now_ns,
                                    const std::optional<CommandRunner::Running>& running);

// Where the CPU is, for the report: its RIP and, in the kernel or a module, the symbol.
void locate_cpu(Machine& machine, trace::MachineSymbolizer& symbols, Cutoff& cut_off);

} // namespace lkmemu::session
