// CpuEvent: something the CPU engine stopped for that the host must finish (deliver an exception
// or interrupt, emulate SYSCALL), and the latch the engine's hooks record it in.
#pragma once

#include "mmu/mmu.h"

#include <cstdint>
#include <optional>
#include <string>

namespace lkmemu {

enum class EventKind {
    Exception,         // raised by an instruction: RIP is the faulting instruction (or after, for traps)
    SoftwareInterrupt, // int n, int3: RIP after the instruction, gate DPL checked against CPL
    ExternalInterrupt, // from the PIC: RIP where the CPU was
    Syscall,           // the SYSCALL instruction: emulated, not delivered through the IDT
};

struct CpuEvent {
    EventKind kind = EventKind::Exception;
    uint8_t vector = 0;
    uint32_t error_code = 0;
    uint64_t cr2 = 0;      // for #PF
    bool from_engine_interrupt = false; // raised by QEMU itself (UC_HOOK_INTR): its fault marker is armed

    bool has_error_code() const;
    std::string describe() const; // "#GP(0x10)", "IRQ vector 0x20", "int 0x80" ...
};

// Written by the engine's hooks while uc_emu_start runs, read by the run loop after it returns.
struct EventLatch {
    std::optional<CpuEvent> event;          // the first event of this run
    std::optional<PageFault> page_fault;    // the TLB-fill hook's last denied access
    bool non_canonical = false;             // ... which was to a non-canonical address: #GP(0), not #PF
    bool stopped_by_host = false;           // the block hook stopped the engine (timer, stop request)

    void clear()
    {
        event.reset();
        page_fault.reset();
        non_canonical = false;
        stopped_by_host = false;
    }
};

} // namespace lkmemu
