// Debugger: breakpoints and watchpoints as engine hooks (nothing is patched into guest memory),
// for the gdb stub's adapter through Machine's public API. The run loop asks it, after every
// engine stop, whether a breakpoint or watchpoint is why (take_stop). See docs/machine.md,
// "Debugging and tracing".
#pragma once

#include "cpu/cpu.h"
#include "cpu/privilege_gate.h"
#include "machine/instruction_counter.h"
#include "machine/machine.h"

#include <unicorn/unicorn.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace lkmemu {

class Debugger {
public:
    // The observer's translation of a virtual address (no A/D bits, no fault), to match watches.
    using Translate = std::function<Result<uint64_t>(uint64_t va)>;

    Debugger(const Cpu&, const PrivilegeGate&, InstructionCounter&, Translate);
    void attach(uc_engine* uc) { m_uc = uc; }

    Result<void> add_breakpoint(uint64_t va);
    Result<void> remove_breakpoint(uint64_t va); // error if there is none
    Result<void> add_watchpoint(uint64_t va, uint64_t length, WatchKind);
    Result<void> remove_watchpoint(uint64_t va, uint64_t length, WatchKind);

    // A run()/step() starts at `rip`: a breakpoint there does not fire for that first
    // instruction, and stops noted before are forgotten.
    void begin_resume(uint64_t rip);
    // The engine has run since begin_resume: a breakpoint at the starting RIP fires again.
    void resumed() { m_skip_breakpoint_at.reset(); }
    // The breakpoint or watchpoint that stopped the engine, if one did.
    std::optional<RunResult> take_stop();
    // An instruction fetch at `rip` faulted (e.g. a non-executable page): if gdb has a breakpoint
    // there, that breakpoint is the stop and the fault is not delivered. gdb's inferior calls
    // (`call f(x)`) return to a breakpoint it puts on the stack (i386's ON_STACK dummy frame);
    // with an int3 patched into memory, a real CPU's NX stack would fault there too, but gdb's
    // remote protocol only asks for a stop at that address, which a hook-based breakpoint gives.
    std::optional<RunResult> fetch_fault_at_breakpoint(uint64_t rip) const;

private:
    struct Watch {
        uint64_t va, length;
        WatchKind kind;
    };
    static void hook_breakpoint(uc_engine*, uint64_t address, uint32_t, void* self);
    static void hook_watched_access(uc_engine*, uc_mem_type, uint64_t address, int, int64_t, void* self);
    static void hook_after_watch(uc_engine*, uint64_t address, uint32_t, void* self);
    void on_breakpoint(uint64_t address);
    void on_watched_access(uc_mem_type, uint64_t address);
    void on_instruction_after_watch(uint64_t address);
    Result<void> update_watch_hooks();
    void stop_engine() const;

    const Cpu& m_cpu;
    const PrivilegeGate& m_gate;
    InstructionCounter& m_counter;
    Translate m_translate;
    uc_engine* m_uc = nullptr;

    std::map<uint64_t, uc_hook> m_breakpoints;
    std::vector<Watch> m_watches;
    uc_hook m_watch_access_hook = 0; // memory hooks over everything, only while watchpoints exist
    uc_hook m_watch_step_hook = 0;   // a code hook over everything, likewise
    std::optional<uint64_t> m_skip_breakpoint_at; // the RIP a run()/step() starts from
    std::optional<std::pair<uint64_t, WatchKind>> m_pending_watch_hit;
    std::optional<RunResult> m_stop;
};

} // namespace lkmemu
