// Machine::Impl: the parts of a Machine and how they are wired. Private to emulator/machine/.
//
// The units it owns, each in its own file: the CPU's state and the MMU (cpu/, mmu/), event
// delivery (cpu/interrupt_delivery), the devices (pc_devices.h), the TLB-fill hook (tlb_fill),
// the debugger (breakpoints and watchpoints), the trace hooks, and the instruction counter. What
// stays here is the engine, the run loop (run_loop.cpp) and the hooks that feed it
// (engine_hooks.cpp).
#pragma once

#include "cpu/cpu.h"
#include "cpu/event.h"
#include "cpu/fault_marker.h"
#include "cpu/interrupt_delivery.h"
#include "cpu/privilege_gate.h"
#include "machine/debugger.h"
#include "machine/instruction_counter.h"
#include "machine/machine.h"
#include "machine/pc_devices.h"
#include "machine/physical_memory.h"
#include "machine/stop_signal.h"
#include "machine/tlb_fill.h"
#include "machine/trace_hooks.h"
#include "mmu/mmu.h"
#include "support/uc_check.h"

#include <array>
#include <optional>

namespace lkmemu {

// Unicorn's version and the memory size (machine.cpp), for create() and resume().
Result<void> check_machine_config(const MachineConfig&);

struct Machine::Impl {
    Impl(Machine& machine, MachineConfig config, PhysicalMemory ram, PhysicalMemory hidden_pages);

    Result<void> open_engine();
    Result<void> calibrate_fault_marker(); // the engine's double-fault marker (cpu/fault_marker.h)
    Result<void> boot(const class KernelImage&, std::span<const uint8_t> initrd);

    // Snapshots (snapshot.cpp).
    Result<void> check_snapshot_point() const;
    Result<struct MachineState> capture_state();
    Result<void> apply_state(const struct MachineState&);
    Result<struct SnapshotOrigin> origin();

    // The run loop (run_loop.cpp).
    RunResult run();
    RunResult step();
    void begin_resume();
    std::optional<RunResult> after_engine_stop(uc_err);
    std::optional<RunResult> deliver(const CpuEvent&);
    std::optional<RunResult> handle_halt();
    std::optional<RunResult> power_off_result() const;
    void poll_timer();
    // Guest time (Machine::guest_time_ns) as the PIT's clock reads it.
    Pit8254::Clock::time_point guest_now() const
    {
        auto const skipped = std::chrono::nanoseconds(skipped_ns);
        if (config.realtime)
            return Pit8254::Clock::time_point {} + (std::chrono::steady_clock::now() - wall_epoch) + skipped;
        return Pit8254::Clock::time_point {} + std::chrono::nanoseconds(counter.total() * Machine::ns_per_instruction) + skipped;
    }
    bool in_sti_hlt_shadow() const;
    RunResult finish(RunResult);
    RunResult emulator_error(std::string what);

    // Engine hooks (engine_hooks.cpp).
    void on_block(uint64_t address, uint32_t size);
    void on_power_off(uint32_t status);
    void stop_engine() { cpu.note(uc_emu_stop(uc.get()), "uc_emu_stop"); }

    // Observer access (machine.cpp): supervisor, any permission, no A/D bits; the hidden pages too.
    Result<uint64_t> observe_translate(uint64_t va) const;
    bool observe_read(uint64_t va, std::span<uint8_t> out) const { return !machine.read_virtual(va, out).is_error(); }

    Machine& machine;
    MachineConfig config;
    PhysicalMemory ram;
    PhysicalMemory hidden_pages; // the PrivilegeGate's two pages, outside guest RAM
    static constexpr uint64_t hidden_pages_physical = 1ull << 39;

    UcEnginePtr uc;
    Mmu mmu;
    Cpu cpu;
    EventLatch latch;
    PrivilegeGate gate;
    InterruptDelivery delivery;
    std::optional<FaultMarker> fault_marker;
    PcDevices devices;
    InstructionCounter counter;
    TlbFill tlb;
    Debugger debugger;
    TraceHooks trace;
    StopSignal stop_signal;
    Machine::ConsoleInput console_input; // the UART's receiver's source (run_loop.cpp)
    // Console input, if any came within max_wait: into the UART, which raises IRQ 4. True if
    // bytes came.
    bool take_console_input(std::chrono::nanoseconds max_wait);

    // What the run loop and the block hook share about the current uc_emu_start.
    struct EngineRun {
        // The block hook looks at the clock once the instruction count reaches this (0: at the
        // next block). The run loop zeroes it before each engine start, a port write too (the
        // guest may have reprogrammed the PIT).
        uint64_t clock_check_at = 0;
        bool irq_pending_at_start = false;     // the PIC had an IRQ for the CPU when the engine started
        bool previous_block_may_set_if = false; // the last block ended in sti/popf/iret/sysret
        bool interrupt_shadow = false;          // one instruction (the hlt after sti) runs before an IRQ
    } engine_run;

    uint64_t skipped_ns = 0; // guest time that passed with no instruction executed (halts, stalls)
    std::optional<uint64_t> guest_time_limit_ns; // Machine::set_guest_time_limit
    bool guest_time_limit_reached() const
    {
        return guest_time_limit_ns && uint64_t(guest_now().time_since_epoch() / std::chrono::nanoseconds(1)) >= *guest_time_limit_ns;
    }
    // realtime: the wall-clock instant guest time 0 stands for.
    std::chrono::steady_clock::time_point wall_epoch = std::chrono::steady_clock::now();
    bool user_mode_reached = false; // CPL 3 seen by the run loop (the TLB fill sees it mid-run)
    std::optional<uint32_t> power_off_status;
    std::optional<RunResult> finished;
    std::optional<std::array<uint8_t, 32>> kernel_sha256; // of config.kernel_path, once a snapshot needs it
    std::optional<std::array<uint8_t, 32>> initrd_sha256; // of config.initrd_path (zero: none), likewise
};

} // namespace lkmemu
