#include "trace/machine_observer.h"

#include "trace/syscall_names.h"

namespace lkmemu::trace {

void TraceObserver::instruction(uint64_t address, std::span<const uint8_t> bytes) { m_tracer.instruction(address, bytes); }

void TraceObserver::exception(uint8_t vector, std::optional<uint64_t> error_code, std::optional<uint64_t> cr2, uint64_t rip)
{
    m_tracer.fault(vector, error_code, cr2, rip);
}

void TraceObserver::interrupt(uint8_t vector, uint64_t rip) { m_tracer.interrupt(vector, rip); }

void TraceObserver::syscall(uint64_t rip)
{
    auto regs = m_machine.registers();
    const uint64_t arguments[] = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9};
    m_syscall_number = regs.rax;
    m_tracer.syscall(regs.rax, linux_syscall_name(regs.rax), arguments, rip);
}

void TraceObserver::syscall_return(uint64_t, uint64_t value)
{
    m_tracer.syscall_return(m_syscall_number, linux_syscall_name(m_syscall_number), static_cast<int64_t>(value));
}

} // namespace lkmemu::trace
