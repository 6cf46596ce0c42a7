// Machine::Impl: the parts of a Machine and how they are wired. Private to emulator/machine/.
#pragma once

#include "cpu/cpu.h"
#include "cpu/event.h"
#include "cpu/fault_address.h"
#include "cpu/fault_marker.h"
#include "cpu/interrupt_delivery.h"
#include "cpu/privilege_gate.h"
#include "devices/debug_exit.h"
#include "devices/harness_device.h"
#include "devices/io_bus.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/uart16550.h"
#include "machine/instruction_counter.h"
#include "machine/machine.h"
#include "machine/physical_memory.h"
#include "mmu/mmu.h"
#include "support/uc_check.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>

namespace lkmemu {

struct Machine::Impl {
    Impl(Machine& machine, MachineConfig config, PhysicalMemory ram, PhysicalMemory hidden_pages);

    Result<void> open_engine();
    Result<void> boot(const class KernelImage&);

    // The run loop (run_loop.cpp).
    RunResult run();
    RunResult step();
    void begin_resume();
    std::optional<RunResult> after_engine_stop(uc_err);
    std::optional<RunResult> deliver(const CpuEvent&);
    std::optional<RunResult> handle_halt();
    void poll_timer();
    bool in_sti_hlt_shadow() const;
    RunResult finish(RunResult);
    RunResult emulator_error(std::string what);

    // Engine hooks (engine_hooks.cpp).
    bool fill_tlb(uint64_t va, uc_mem_type, uc_tlb_entry*);
    void on_block(uint64_t address, uint32_t size);
    void on_power_off(uint32_t status);
    void stop_engine() { cpu.note(uc_emu_stop(uc.get()), "uc_emu_stop"); }

    Result<uint64_t> observe_translate(uint64_t va) const;

    // Debugging and tracing (debugging.cpp).
    void on_breakpoint(uint64_t address);
    void on_watched_access(uc_mem_type, uint64_t address);
    void on_instruction_after_watch(uint64_t address);
    void on_observed_instruction(uint64_t address);
    Result<void> update_watch_step_hook();
    std::optional<RunResult> take_debug_stop();
    void notify_delivery(const CpuEvent&, uint64_t rip);

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

    IoBus io;
    Uart16550 uart;
    DebugExit debug_exit;
    Pic8259Pair pic;
    Pit8254 pit;
    HarnessDevice harness;
    struct HostAdapter final : HarnessEndpoint {
        Machine* machine = nullptr;
        HarnessHost* host = nullptr;
        std::vector<uint8_t> next_request() override { return host->next_request(*machine); }
        void on_response(int32_t status, std::string_view text) override { host->on_response(*machine, status, text); }
    } harness_adapter;

    InstructionCounter counter;
    FaultAddress fault_address;
    bool user_mode_reached = false;
    std::optional<uint32_t> power_off_status;
    std::optional<RunResult> finished;
    unsigned blocks_until_clock_check = 0;
    bool irq_pending_at_start = false;     // the PIC had an IRQ for the CPU when the engine started
    bool previous_block_may_set_if = false; // the last block ended in sti/popf/iret/sysret
    bool running_interrupt_shadow = false; // the run loop lets one instruction (the hlt after sti) run before an IRQ

    struct Watch {
        uint64_t va, length;
        WatchKind kind;
    };
    std::map<uint64_t, uc_hook> breakpoints;
    std::vector<Watch> watches;
    uc_hook watch_access_hook = 0; // memory hooks over everything, only while watchpoints exist
    uc_hook watch_step_hook = 0;   // a code hook over everything, likewise
    std::optional<uint64_t> skip_breakpoint_at; // the RIP a run()/step() starts from
    std::optional<std::pair<uint64_t, WatchKind>> pending_watch_hit;
    std::optional<RunResult> debug_stop;
    ExecutionObserver* observer = nullptr;
    uc_hook observer_hook = 0;
    uc_hook syscall_return_hook = 0; // at the latest SYSCALL's return address, while observed
    void follow_syscall_return(uint64_t return_rip);
    void on_syscall_return(uint64_t address);

    std::atomic<bool> stop_requested { false };
    std::mutex wait_mutex;
    std::condition_variable wait_cv;
};

} // namespace lkmemu
