// The real machine as a DebugTarget: gdb's registers, memory, breakpoints and run control mapped
// onto Machine's debugging API (emulator/machine/machine.h, "Debugging").
//
// Threading: every call but interrupt() must come from the thread that owns the machine (see
// docs/debugging.md, "Wiring the machine"); interrupt() is Machine::request_stop().
#pragma once

#include "gdb/debug_target.h"
#include "machine/machine.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

namespace lkmemu::gdb {

class MachineDebugTarget final : public DebugTarget {
public:
    explicit MachineDebugTarget(Machine& machine) : m_machine(machine) {}

    lkm::ErrorOr<StopEvent> attach() override;
    lkm::ErrorOr<void> read_register(Register reg, std::span<uint8_t> out) override;
    lkm::ErrorOr<void> write_register(Register reg, std::span<const uint8_t> value) override;
    lkm::ErrorOr<void> read_memory(uint64_t address, std::span<uint8_t> out) override;
    lkm::ErrorOr<void> write_memory(uint64_t address, std::span<const uint8_t> data) override;
    lkm::ErrorOr<void> insert_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length) override;
    lkm::ErrorOr<void> remove_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length) override;
    lkm::ErrorOr<StopEvent> resume(ResumeMode mode) override;
    void interrupt() override;
    void detach() override;
    void kill() override;

    // gdb sent 'k': the caller ends the run (the machine has no way to end itself).
    bool kill_requested() const { return m_kill_requested; }
    // The machine's own words for the last stop ("triple fault at RIP ...", "kernel panic ...").
    const RunResult& last_result() const { return m_last; }

private:
    StopEvent stop_event(const RunResult& result) const;

    Machine& m_machine;
    // gdb may put a Z0 and a Z1 on one address; the machine has one breakpoint per address.
    struct AddressBreakpoints {
        unsigned software = 0;
        unsigned hardware = 0;
    };
    std::map<uint64_t, AddressBreakpoints> m_breakpoints;
    std::map<std::tuple<uint64_t, uint64_t, WatchKind>, unsigned> m_watchpoints;
    RunResult m_last {lkmemu::StopReason::Stopped, 0, "attached"};
    bool m_finished = false; // the machine has ended: every resume reports that again
    bool m_kill_requested = false;
};

} // namespace lkmemu::gdb
