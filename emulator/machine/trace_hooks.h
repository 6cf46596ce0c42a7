// TraceHooks: the machine's side of `--trace`. It hands the ExecutionObserver every instruction
// in the observed range (one code hook, installed only while an observer is set), each event the
// run loop delivers, and the value a SYSCALL returns (a one-shot code hook at its return address,
// since the return is a native sysretq/iretq the host never sees).
#pragma once

#include "cpu/cpu.h"
#include "cpu/event.h"
#include "cpu/privilege_gate.h"
#include "machine/instruction_counter.h"
#include "machine/machine.h"

#include <unicorn/unicorn.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace lkmemu {

class TraceHooks {
public:
    using MemoryReader = std::function<bool(uint64_t va, std::span<uint8_t> out)>;

    // powered_off: after a power-off the engine still finishes its translated block; those
    // instructions are not the guest's and are not reported.
    TraceHooks(const Cpu&, const PrivilegeGate&, InstructionCounter&, MemoryReader read_virtual,
               std::function<bool()> powered_off);
    void attach(uc_engine* uc) { m_uc = uc; }

    // Observe instructions in [first, last] and every event; nullptr removes the observer.
    Result<void> set_observer(ExecutionObserver*, uint64_t first, uint64_t last);

    // The run loop is about to deliver `event` (RIP as the frame will say), or to emulate a
    // SYSCALL whose instruction is at `rip`.
    void notify_delivery(const CpuEvent& event, uint64_t rip);
    // Report the value of the SYSCALL that returns to `return_rip` when it gets there.
    void follow_syscall_return(uint64_t return_rip);

private:
    static void hook_instruction(uc_engine*, uint64_t address, uint32_t, void* self);
    static void hook_syscall_return(uc_engine*, uint64_t address, uint32_t, void* self);
    void on_instruction(uint64_t address);
    void on_syscall_return(uint64_t address);

    const Cpu& m_cpu;
    const PrivilegeGate& m_gate;
    InstructionCounter& m_counter;
    MemoryReader m_read_virtual;
    std::function<bool()> m_powered_off;
    uc_engine* m_uc = nullptr;

    ExecutionObserver* m_observer = nullptr;
    uc_hook m_instruction_hook = 0;
    uc_hook m_syscall_return_hook = 0; // at the latest SYSCALL's return address, while observed
};

} // namespace lkmemu
