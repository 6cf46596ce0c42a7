// What the gdb stub needs from the thing it debugs. The machine implements it through an
// adapter (see docs/debugging.md, "Wiring the machine"); the tests implement it with a fake.
//
// All calls come from the stub's session thread, except interrupt(), which the connection's
// reader thread calls when gdb sends Ctrl-C. Errors are target errors (an errno and a reason):
// the stub answers them with "E<errno>" and keeps the session; they never end it.
#pragma once

#include "gdb/registers.h"

#include <loader/error_or.h>

#include <cstdint>
#include <span>

namespace lkmemu::gdb {

// The breakpoint and watchpoint kinds of the Z/z packets (Z0 ... Z4). Software breakpoints
// are kept by the emulator like hardware ones: nothing is ever patched into guest memory.
enum class BreakpointKind : uint8_t { Software = 0, Hardware = 1, WriteWatch = 2, ReadWatch = 3, AccessWatch = 4 };

constexpr bool is_watchpoint(BreakpointKind kind) { return kind >= BreakpointKind::WriteWatch; }

enum class ResumeMode : uint8_t { Continue, Step };

// Signal numbers as the remote protocol spells them (gdb's own numbering, which matches
// Linux's for these).
enum class GdbSignal : uint8_t { Int = 2, Ill = 4, Trap = 5, Abrt = 6, Kill = 9, Segv = 11 };

enum class StopReason : uint8_t {
    Started,            // the machine has not run yet, or the stub attached to a stopped machine
    SoftwareBreakpoint, // a Z0 address was about to execute; RIP is that address
    HardwareBreakpoint, // a Z1 address was about to execute; RIP is that address
    Watchpoint,         // an access matched a Z2/Z3/Z4; RIP is after the accessing instruction
    Step,               // one instruction (or one exception/interrupt entry) ran
    Interrupted,        // interrupt() was called (gdb's Ctrl-C)
    Fault,              // the machine cannot go on (e.g. triple fault); `signal` says which kind
    Exited,             // the machine powered off with `exit_status`
};

struct StopEvent {
    StopReason reason = StopReason::Started;
    BreakpointKind watch_kind = BreakpointKind::WriteWatch; // Watchpoint: which kind fired
    uint64_t watch_address = 0;                             // Watchpoint: the accessed address
    GdbSignal signal = GdbSignal::Trap;                     // Fault: what to tell gdb
    int exit_status = 0;                                    // Exited
};

class DebugTarget {
public:
    virtual ~DebugTarget() = default;

    // The stub has a client: stop the machine if it runs, and say where it stands.
    virtual lkm::ErrorOr<StopEvent> attach() = 0;

    // `out`/`value` are exactly register_info(reg).bytes() long, little-endian.
    virtual lkm::ErrorOr<void> read_register(Register reg, std::span<uint8_t> out) = 0;
    virtual lkm::ErrorOr<void> write_register(Register reg, std::span<const uint8_t> value) = 0;

    // Virtual addresses, translated through the guest's own page tables (CR3) as they are
    // now. The stub never asks across a 4 KiB page boundary; an unmapped page is an error
    // (EFAULT), never a fault delivered to the guest. Writes ignore the guest's write
    // protection, as a debugger's do.
    virtual lkm::ErrorOr<void> read_memory(uint64_t address, std::span<uint8_t> out) = 0;
    virtual lkm::ErrorOr<void> write_memory(uint64_t address, std::span<const uint8_t> data) = 0;

    // `length` is the Z packet's kind field: the instruction length for breakpoints (gdb
    // sends 1 on x86), the watched byte count for watchpoints. Inserting one that exists is
    // fine; removing one that does not is an error (ENOENT).
    virtual lkm::ErrorOr<void> insert_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length) = 0;
    virtual lkm::ErrorOr<void> remove_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length) = 0;

    // Runs until a stop and reports it. A breakpoint at the current RIP does not fire on the
    // first instruction of a resume (gdb steps over it itself, but a user's `jump` may not).
    virtual lkm::ErrorOr<StopEvent> resume(ResumeMode mode) = 0;

    // Thread-safe. Makes a running resume() return StopReason::Interrupted soon; if none is
    // running, the next one returns that at once (gdb's Ctrl-C can overtake its own 'c').
    virtual void interrupt() = 0;

    // The client leaves: forget every breakpoint and watchpoint and any pending interrupt;
    // the machine then runs on by itself.
    virtual void detach() = 0;

    // The client asked to end the machine ('k').
    virtual void kill() = 0;
};

} // namespace lkmemu::gdb
