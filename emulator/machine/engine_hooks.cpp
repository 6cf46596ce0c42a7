// The CPU engine's hooks: how Unicorn reaches the machine while uc_emu_start runs. Each records
// what happened (in the EventLatch) or serves it at once (TLB fill, port I/O), and stops the
// engine when the host has to act. The debugger's and the tracer's hooks live with them
// (debugger.cpp, trace_hooks.cpp).
#include "cpu/x86.h"
#include "machine/machine_impl.h"

#include <algorithm>

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
    auto& m = impl(user);
    m.devices.io.write(static_cast<uint16_t>(port), static_cast<unsigned>(size), value);
    m.engine_run.clock_check_at = 0; // the PIT may have a new deadline
}

namespace {

// The block hook's rare part, out of line so that the common one stays ~35 instructions with no
// call: the clock, once the instruction count reaches clock_check_at; an interrupt that may have
// become deliverable; a stop request.
[[gnu::noinline]] void block_checks(Machine::Impl& m, bool previous_may_set_if)
{
    auto& run = m.engine_run;
    bool stop = m.stop_signal.pending();
    if (m.counter.total() >= run.clock_check_at) {
        auto const deadline = m.devices.pit.next_deadline();
        if (m.guest_time_limit_reached()) {
            stop = true;
        } else if (deadline && m.guest_now() >= *deadline) {
            stop = true;
        } else if (m.config.realtime) {
            // The wall clock (~20 ns to read): again after ~256 instructions, which keeps timer
            // latency in microseconds.
            run.clock_check_at = m.counter.total() + 256;
        } else if (!deadline) {
            run.clock_check_at = UINT64_MAX; // until a port write (hook_out) arms the timer
        } else {
            // Virtual time is the instruction count plus skipped idle time: the deadline is
            // reached at the first block ending at or past this count, on every run alike.
            uint64_t const deadline_ns = uint64_t((*deadline - Pit8254::Clock::time_point {}) / std::chrono::nanoseconds(1));
            uint64_t const busy_ns = deadline_ns - m.skipped_ns; // > 0: the deadline is still ahead
            run.clock_check_at = (busy_ns + Machine::ns_per_instruction - 1) / Machine::ns_per_instruction;
        }
        if (m.guest_time_limit_ns && !m.config.realtime && !stop) {
            // The limit is still ahead (checked above): the count at which it is reached.
            uint64_t const busy_ns = *m.guest_time_limit_ns - m.skipped_ns;
            run.clock_check_at = std::min(run.clock_check_at,
                                          (busy_ns + Machine::ns_per_instruction - 1) / Machine::ns_per_instruction);
        }
    }
    // An interrupt that came due while IF was clear is taken as soon as the guest sets IF again
    // (sti, popf, iretq, sysretq all end a translated block), as hardware takes it — not at the
    // next clock check, which may land anywhere. RFLAGS is read (a costly engine call) only
    // after a block that ended in one of those, while an IRQ is pending. (An IRQ the guest
    // unmasks while the engine runs waits for the clock check, as before.)
    if (!stop && previous_may_set_if && !run.interrupt_shadow && run.irq_pending_at_start &&
        (m.cpu.read(UC_X86_REG_RFLAGS) & x86::rflags::if_))
        stop = true;
    if (stop) {
        m.latch.stopped_by_host = true;
        m.stop_engine();
    }
}

} // namespace

// Runs after every translated block the guest executes: the hot path of the whole machine (a few
// nanoseconds of real work per block; docs/machine.md). It counts the block's instructions (one
// probe of the count cache) and compares three fields; anything else is block_checks.
void Machine::Impl::on_block(uint64_t address, uint32_t size)
{
    auto& run = engine_run;
    if (gate.is_hidden(address)) [[unlikely]] {
        run.previous_block_may_set_if = true; // not decoded: assume it may have
        return; // the host's own ring 3 -> 0 transition: not guest work
    }
    bool const previous_may_set_if = run.previous_block_may_set_if;
    run.previous_block_may_set_if = counter.on_block(address, size);
    // The stop flag is an atomic read relaxed: a plain load on x86.
    if (counter.total() >= run.clock_check_at || previous_may_set_if || stop_signal.pending()) [[unlikely]]
        block_checks(*this, previous_may_set_if);
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

} // namespace lkmemu
