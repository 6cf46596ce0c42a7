// The CPU engine's hooks: how Unicorn reaches the machine while uc_emu_start runs. Each records
// what happened (in the EventLatch) or serves it at once (TLB fill, port I/O), and stops the
// engine when the host has to act. The debugger's and the tracer's hooks live with them
// (debugger.cpp, trace_hooks.cpp).
#include "cpu/x86.h"
#include "machine/machine_impl.h"

namespace lkmemu {

namespace {
Machine::Impl& impl(void* user) { return *static_cast<Machine::Impl*>(user); }

void record(Machine::Impl& m, CpuEvent event)
{
    if (!m.latch.event)
        m.latch.event = event;
    m.stop_engine();
}
} // namespace

bool hook_tlb_fill(uc_engine*, uint64_t va, uc_mem_type type, uc_tlb_entry* entry, void* user)
{
    return impl(user).tlb.fill(va, type, entry);
}

void hook_interrupt(uc_engine*, uint32_t intno, void* user)
{
    // Exceptions arrive here with RIP at the faulting instruction; int n / int3 with RIP after
    // it. Hardware interrupts never do (the host delivers them), so vectors >= 32, #BP and #OF
    // are software interrupts.
    CpuEvent e;
    e.vector = static_cast<uint8_t>(intno);
    e.kind = (intno >= 32 || intno == x86::vector::breakpoint || intno == x86::vector::overflow)
                 ? EventKind::SoftwareInterrupt
                 : EventKind::Exception;
    e.from_engine_interrupt = true;
    record(impl(user), e);
}

bool hook_invalid_instruction(uc_engine*, void* user)
{
    CpuEvent e;
    e.vector = x86::vector::invalid_opcode;
    auto& m = impl(user);
    if (!m.latch.event)
        m.latch.event = e;
    return false; // not handled: the engine stops with UC_ERR_INSN_INVALID, RIP at the instruction
}

void hook_syscall(uc_engine*, void* user)
{
    CpuEvent e;
    e.kind = EventKind::Syscall;
    record(impl(user), e);
}

uint32_t hook_in(uc_engine*, uint32_t port, int size, void* user)
{
    return impl(user).devices.io.read(static_cast<uint16_t>(port), static_cast<unsigned>(size));
}

void hook_out(uc_engine*, uint32_t port, int size, uint32_t value, void* user)
{
    impl(user).devices.io.write(static_cast<uint16_t>(port), static_cast<unsigned>(size), value);
}

void hook_block(uc_engine*, uint64_t address, uint32_t size, void* user)
{
    impl(user).on_block(address, size);
}

void Machine::Impl::on_power_off(uint32_t status)
{
    power_off_status = status;
    stop_engine();
}

void Machine::Impl::on_block(uint64_t address, uint32_t size)
{
    auto& run = engine_run;
    if (gate.is_hidden(address)) {
        run.previous_block_may_set_if = true; // not decoded: assume it may have
        return; // the host's own ring 3 -> 0 transition: not guest work
    }
    bool const previous_may_set_if = run.previous_block_may_set_if;
    run.previous_block_may_set_if = counter.on_block(address, size);
    bool stop = stop_signal.pending();
    // Virtual guest time is the instruction count (plus skipped idle time): comparing it with the
    // timer's deadline after every block reads no clock, and stops the engine at the same
    // instruction on every run. Realtime reads the wall clock (~20 ns) once every 64 blocks,
    // which keeps timer latency in microseconds.
    bool check_clock = !config.realtime;
    if (!check_clock && ++run.blocks_until_clock_check >= 64) {
        run.blocks_until_clock_check = 0;
        check_clock = true;
    }
    if (check_clock) {
        if (auto deadline = devices.pit.next_deadline(); deadline && guest_now() >= *deadline)
            stop = true;
    }
    // An interrupt that came due while IF was clear is taken as soon as the guest sets IF again
    // (sti, popf, iretq, sysretq all end a translated block), as hardware takes it — not at the
    // next clock check, which may land anywhere. RFLAGS is read (a costly engine call) only
    // after a block that ended in one of those, while an IRQ is pending. (An IRQ the guest
    // unmasks while the engine runs waits for the clock check, as before.)
    if (!stop && previous_may_set_if && !run.interrupt_shadow && run.irq_pending_at_start &&
        (cpu.read(UC_X86_REG_RFLAGS) & x86::rflags::if_))
        stop = true;
    if (stop) {
        latch.stopped_by_host = true;
        stop_engine();
    }
}

} // namespace lkmemu
