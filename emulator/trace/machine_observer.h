// Connects a Tracer to the machine: the machine's ExecutionObserver calls become trace lines.
//
//   TraceObserver observer(tracer, *machine);
//   machine->set_execution_observer(&observer, tracer.filter().hook_first(), tracer.filter().hook_last());
#pragma once

#include "machine/machine.h"
#include "trace/tracer.h"

namespace lkmemu::trace {

class TraceObserver final : public ExecutionObserver {
public:
    TraceObserver(Tracer& tracer, const Machine& machine) : m_tracer(tracer), m_machine(machine) {}

    void instruction(uint64_t address, std::span<const uint8_t> bytes) override;
    void exception(uint8_t vector, std::optional<uint64_t> error_code, std::optional<uint64_t> cr2, uint64_t rip) override;
    void interrupt(uint8_t vector, uint64_t rip) override;
    // Number in RAX, arguments in RDI RSI RDX R10 R8 R9, as the SYSCALL ABI has them.
    void syscall(uint64_t rip) override;
    // The machine follows only the latest SYSCALL, so its number is the one syscall() saw.
    void syscall_return(uint64_t rip, uint64_t value) override;

private:
    Tracer& m_tracer;
    const Machine& m_machine;
    uint64_t m_syscall_number = 0;
};

} // namespace lkmemu::trace
