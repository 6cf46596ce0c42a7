#include "machine/trace_hooks.h"

#include "cpu/x86.h"
#include "machine/translated_code.h"

#include <algorithm>

namespace lkmemu {

TraceHooks::TraceHooks(const Cpu& cpu, const PrivilegeGate& gate, InstructionCounter& counter, MemoryReader read_virtual,
                       std::function<bool()> powered_off)
    : m_cpu(cpu), m_gate(gate), m_counter(counter), m_read_virtual(std::move(read_virtual)),
      m_powered_off(std::move(powered_off))
{
}

void TraceHooks::hook_instruction(uc_engine*, uint64_t address, uint32_t, void* self)
{
    static_cast<TraceHooks*>(self)->on_instruction(address);
}

void TraceHooks::hook_syscall_return(uc_engine*, uint64_t address, uint32_t, void* self)
{
    static_cast<TraceHooks*>(self)->on_syscall_return(address);
}

Result<void> TraceHooks::set_observer(ExecutionObserver* observer, uint64_t first, uint64_t last)
{
    if (m_instruction_hook) {
        LKMEMU_TRY(uc_check(uc_hook_del(m_uc, m_instruction_hook), "removing the trace hook"));
        m_instruction_hook = 0;
    }
    m_observer = observer;
    if (observer) {
        LKMEMU_TRY(uc_check(uc_hook_add(m_uc, &m_instruction_hook, UC_HOOK_CODE, reinterpret_cast<void*>(hook_instruction),
                                        this, first, last),
                            "adding the trace hook"));
    }
    return flush_translated_code(m_uc, m_counter, "flushing translated code after a hook change");
}

void TraceHooks::on_instruction(uint64_t address)
{
    if (!m_observer || m_gate.is_hidden(address) || m_powered_off())
        return;
    uint8_t bytes[15];
    size_t length = sizeof bytes;
    while (length > 0 && !m_read_virtual(address, { bytes, length }))
        length = std::min<size_t>(length - 1, 4096 - (address & 0xfff));
    m_observer->instruction(address, { bytes, length });
}

void TraceHooks::notify_delivery(const CpuEvent& event, uint64_t rip)
{
    if (!m_observer)
        return;
    switch (event.kind) {
    case EventKind::Exception:
        m_observer->exception(event.vector, event.has_error_code() ? std::optional<uint64_t>(event.error_code) : std::nullopt,
                              event.vector == x86::vector::page_fault ? std::optional<uint64_t>(event.cr2) : std::nullopt, rip);
        return;
    case EventKind::SoftwareInterrupt:
    case EventKind::ExternalInterrupt:
        m_observer->interrupt(event.vector, rip);
        return;
    case EventKind::Syscall:
        m_observer->syscall(rip);
        return;
    }
}

void TraceHooks::follow_syscall_return(uint64_t return_rip)
{
    if (!m_observer)
        return;
    if (m_syscall_return_hook)
        m_cpu.note(uc_hook_del(m_uc, m_syscall_return_hook), "removing the syscall-return hook");
    m_syscall_return_hook = 0;
    uc_err const err = uc_hook_add(m_uc, &m_syscall_return_hook, UC_HOOK_CODE, reinterpret_cast<void*>(hook_syscall_return),
                                   this, return_rip, return_rip);
    if (err != UC_ERR_OK)
        m_syscall_return_hook = 0;
    m_cpu.note(err, "adding the syscall-return hook");
}

void TraceHooks::on_syscall_return(uint64_t address)
{
    if (!m_syscall_return_hook)
        return;
    // Deleting a hook from inside a hook is deferred by Unicorn to the end of uc_emu_start.
    m_cpu.note(uc_hook_del(m_uc, m_syscall_return_hook), "removing the syscall-return hook");
    m_syscall_return_hook = 0;
    if (m_observer)
        m_observer->syscall_return(address, m_cpu.read(UC_X86_REG_RAX));
}

} // namespace lkmemu
