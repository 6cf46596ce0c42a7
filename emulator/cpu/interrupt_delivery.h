// InterruptDelivery: what the CPU does between an event and the first instruction of its handler,
// done by the host because the engine never uses the guest's IDT.
//
// For an exception, software interrupt or external interrupt: read the gate from the IDT and
// check it (in the limit, type 0xe/0xf, present, DPL for int n, a present 64-bit code segment);
// pick the stack (the current one at the same privilege, TSS.RSP0 on ring 3 -> 0, TSS.IST[n] if
// the gate names one), align it to 16 bytes, push SS, RSP, RFLAGS, CS, RIP and the error code
// (vectors 8, 10-14, 17), clear TF/NT/RF/VM and, for interrupt gates, IF; set CR2 for #PF; jump.
// A fault while doing so is delivered in turn with the SDM's double-fault rules (contributory +
// contributory, or #PF + #PF/contributory, make #DF; a fault delivering #DF is a triple fault).
#pragma once

#include "cpu/cpu.h"
#include "cpu/event.h"
#include "cpu/privilege_gate.h"
#include "support/result.h"

#include <unicorn/unicorn.h>

#include <optional>
#include <string>

namespace lkmemu {

struct DeliveryOutcome {
    bool triple_fault = false;
    std::string chain; // "#UD -> #GP(0x32) -> #DF(0x0) -> #GP(0x42)" when it failed
};

class InterruptDelivery {
public:
    InterruptDelivery(uc_engine* uc, Cpu& cpu, PrivilegeGate& gate, EventLatch& latch)
        : m_uc(uc), m_cpu(cpu), m_gate(gate), m_latch(latch)
    {
    }
    void attach(uc_engine* uc) { m_uc = uc; }

    // Delivers `event`, which happened with the CPU state as it is now (RIP already where the
    // frame must say: the faulting instruction, or after an int n).
    Result<DeliveryOutcome> deliver(const CpuEvent&);

private:
    Result<std::optional<CpuEvent>> try_deliver(const CpuEvent&);

    uc_engine* m_uc;
    Cpu& m_cpu;
    PrivilegeGate& m_gate;
    EventLatch& m_latch;
};

} // namespace lkmemu
