// The machine's run loop: start the engine, and when it stops, do what the CPU would have done
// next — deliver the exception, interrupt or SYSCALL it reported, wake a halted CPU on the next
// timer tick — or end the run with the reason. Guest time is virtual (Machine::guest_time_ns): a
// halt skips it to the next timer deadline; in realtime mode it is the wall clock, and a halt waits.
#include "cpu/syscall.h"
#include "cpu/x86.h"
#include "machine/machine_impl.h"

#include <lkmemu/devices.h>
#include <fmt/format.h>

#include <algorithm>

namespace lkmemu {

RunResult Machine::Impl::finish(RunResult result)
{
    finished = result;
    return result;
}

RunResult Machine::Impl::emulator_error(std::string what)
{
    return finish(RunResult { StopReason::EmulatorError, 0,
                              fmt::format("{} (RIP {:#x})", what, cpu.read(UC_X86_REG_RIP)) });
}

std::optional<RunResult> Machine::Impl::power_off_result() const
{
    if (!power_off_status)
        return std::nullopt;
    uint32_t const status = *power_off_status;
    if (status == LKMEMU_EXIT_PANIC)
        return RunResult { StopReason::Panic, status, fmt::format("kernel panic (exit status {:#x})", status) };
    return RunResult { StopReason::PowerOff, status, fmt::format("powered off with status {}", status) };
}

void Machine::Impl::begin_resume() { debugger.begin_resume(cpu.read(UC_X86_REG_RIP)); }

RunResult Machine::Impl::run()
{
    if (finished)
        return *finished;
    begin_resume();
    for (;;) {
        if (stop_signal.take())
            return RunResult { StopReason::Stopped, 0, fmt::format("stopped on request at RIP {:#x}", cpu.read(UC_X86_REG_RIP)) };
        if (guest_time_limit_reached())
            return RunResult { StopReason::Stopped, 0,
                               fmt::format("stopped at the guest-time limit ({} ns) at RIP {:#x}", *guest_time_limit_ns,
                                           cpu.read(UC_X86_REG_RIP)) };
        poll_timer();
        size_t instruction_limit = 0;
        if ((cpu.read(UC_X86_REG_RFLAGS) & x86::rflags::if_) && devices.pic.has_pending()) {
            if (in_sti_hlt_shadow()) {
                instruction_limit = 1; // let the hlt run: the interrupt then returns after it
            } else {
                CpuEvent irq;
                irq.kind = EventKind::ExternalInterrupt;
                irq.vector = *devices.pic.acknowledge();
                if (auto result = deliver(irq))
                    return *result;
            }
        }
        if (cpu.cpl() == 3)
            user_mode_reached = true;

        latch.clear();
        engine_run.interrupt_shadow = instruction_limit != 0;
        engine_run.irq_pending_at_start = devices.pic.has_pending();
        engine_run.previous_block_may_set_if = false; // IF as the engine starts was checked just above
        engine_run.clock_check_at = 0;
        uc_err const err = uc_emu_start(uc.get(), cpu.read(UC_X86_REG_RIP), PrivilegeGate::landing_va, 0, instruction_limit);
        engine_run.interrupt_shadow = false;
        if (auto result = power_off_result())
            return finish(*result);
        if (auto const& error = cpu.engine_error())
            return emulator_error(error->message);
        if (!latch.event) {
            if (auto stop = debugger.take_stop())
                return *stop; // resumable: not `finished`
        }
        debugger.resumed();
        if (auto result = after_engine_stop(err))
            return *result;
    }
}

std::optional<RunResult> Machine::Impl::after_engine_stop(uc_err err)
{
    if (latch.event) {
        CpuEvent event = *latch.event;
        if (event.kind == EventKind::Syscall) {
            trace.notify_delivery(event, cpu.read(UC_X86_REG_RIP) - 2);
            trace.follow_syscall_return(cpu.read(UC_X86_REG_RIP));
            auto exception = emulate_syscall(uc.get(), cpu, gate, latch);
            if (exception.is_error())
                return emulator_error(exception.error().message);
            if (exception.value())
                return deliver(*exception.value());
            return std::nullopt;
        }
        if (event.from_engine_interrupt && event.kind == EventKind::Exception &&
            (x86::pushes_error_code(event.vector) || x86::is_contributory(event.vector))) {
            auto code = fault_marker->take_error_code_and_rearm(uc.get());
            if (code.is_error())
                return emulator_error(code.error().message);
            event.error_code = x86::pushes_error_code(event.vector) ? code.value() : 0;
        }
        return deliver(event);
    }
    if (err == UC_ERR_EXCEPTION && latch.page_fault && latch.non_canonical) {
        CpuEvent gp;
        gp.vector = x86::vector::general_protection;
        return deliver(gp);
    }
    if (err == UC_ERR_EXCEPTION && latch.page_fault) {
        if (latch.page_fault->error_code & x86::pf::fetch)
            if (auto stop = debugger.fetch_fault_at_breakpoint(latch.page_fault->address))
                return stop; // resumable: not `finished`
        CpuEvent pf;
        pf.vector = x86::vector::page_fault;
        pf.error_code = latch.page_fault->error_code;
        pf.cr2 = latch.page_fault->address;
        return deliver(pf);
    }
    if (err != UC_ERR_OK)
        return emulator_error(uc_check(err, "the CPU engine stopped").error().message);
    if (latch.stopped_by_host)
        return std::nullopt;
    return handle_halt();
}

std::optional<RunResult> Machine::Impl::deliver(const CpuEvent& event)
{
    uint64_t const rip = cpu.read(UC_X86_REG_RIP);
    trace.notify_delivery(event, rip);
    auto outcome = delivery.deliver(event);
    if (outcome.is_error())
        return emulator_error(fmt::format("delivering {}: {}", event.describe(), outcome.error().message));
    if (outcome.value().triple_fault)
        return finish(RunResult { StopReason::TripleFault, 0,
                                  fmt::format("triple fault at RIP {:#x}: {}", rip, outcome.value().chain) });
    return std::nullopt;
}

// `sti; hlt` with RIP at the hlt: the engine stopped inside sti's one-instruction interrupt
// shadow. Hardware takes the interrupt only after the hlt, which then returns at once; taking it
// before would return to the hlt and sleep until the next interrupt. (The engine's own shadow
// flag is not visible through its API; this idiom is the one that matters.)
bool Machine::Impl::in_sti_hlt_shadow() const
{
    uint64_t const rip = cpu.read(UC_X86_REG_RIP);
    uint8_t bytes[2] = {};
    if (!observe_read(rip - 1, bytes))
        return false;
    return bytes[0] == 0xfb && bytes[1] == 0xf4;
}

void Machine::Impl::poll_timer()
{
    if (devices.pit.poll(guest_now())) {
        devices.pic.raise_irq(LKMEMU_IRQ_TIMER);
        // A guest that never halts (a busy loop) still hears the keyboard: ^C must reach it.
        take_console_input(std::chrono::nanoseconds(0));
    }
}

bool Machine::Impl::take_console_input(std::chrono::nanoseconds max_wait)
{
    if (!console_input || !devices.uart.receiver_interrupt_enabled())
        return false; // until the guest listens, typed input waits on the host's side
    std::string const bytes = console_input(max_wait);
    if (bytes.empty())
        return false;
    devices.uart.receive(bytes);
    return true;
}

std::optional<RunResult> Machine::Impl::handle_halt()
{
    // uc_emu_start returned OK without a host stop: the guest executed hlt (RIP is after it).
    uint64_t const rip = cpu.read(UC_X86_REG_RIP);
    uint8_t previous = 0;
    if (!observe_read(rip - 1, { &previous, 1 }) || previous != 0xf4)
        return emulator_error("the CPU engine stopped with no reason the machine knows");
    for (;;) {
        if (!(cpu.read(UC_X86_REG_RFLAGS) & x86::rflags::if_))
            return finish(RunResult { StopReason::Dead, 0,
                                      fmt::format("hlt at RIP {:#x} with interrupts disabled: nothing can wake the CPU", rip - 1) });
        poll_timer();
        auto& pic = devices.pic;
        if (pic.has_pending() || stop_signal.pending())
            return std::nullopt;
        auto const deadline = devices.pit.next_deadline();
        bool const timer_reaches_cpu = deadline && pic.master().initialized() && !(pic.master().imr() & 1);
        if (!timer_reaches_cpu)
            return finish(RunResult { StopReason::Dead, 0,
                                      fmt::format("hlt at RIP {:#x} with no interrupt source armed (timer {}, IRQ 0 {}): "
                                                  "nothing can wake the CPU",
                                                  rip - 1, deadline ? "running" : "stopped",
                                                  pic.master().imr() & 1 ? "masked" : "unmasked") });
        if (console_input && devices.uart.receiver_interrupt_enabled()) {
            // Idle with a keyboard attached: wait for a key as long as the guest would sleep
            // until its next tick, in wall time, so an idle guest neither spins nor races ahead
            // of the person typing (docs/machine.md, "Console input"). Input then arrives only
            // while the guest waits: the same keys at the same halts replay the same run.
            auto const wait = std::max(*deadline - guest_now(), Pit8254::Clock::duration::zero());
            if (take_console_input(std::chrono::duration_cast<std::chrono::nanoseconds>(wait)))
                continue; // IRQ 4 is pending: the loop's next pass returns to deliver it
            if (config.realtime)
                continue; // the wall time passed for real: the deadline is due now
        }
        if (config.realtime) { // guest time is the wall clock: wait for the deadline for real
            stop_signal.wait_until(wall_epoch + (*deadline - Pit8254::Clock::time_point {}) -
                                   std::chrono::nanoseconds(skipped_ns));
            continue;
        }
        // Virtual time: nothing happens until the deadline, so it is reached at once — or the
        // guest-time limit, if that comes first (run() then stops there).
        auto const now = guest_now();
        auto target = *deadline;
        if (guest_time_limit_ns)
            target = std::min(target, Pit8254::Clock::time_point {} + std::chrono::nanoseconds(*guest_time_limit_ns));
        if (now < target)
            skipped_ns += static_cast<uint64_t>((target - now) / std::chrono::nanoseconds(1));
        if (guest_time_limit_reached())
            return std::nullopt;
    }
}

// One instruction, as the hardware's TF would stop after it: an event the instruction raises is
// delivered and the machine stops at the handler's first instruction. External interrupts wait for
// the next run, as QEMU's gdbstub steps by default (SSTEP_NOIRQ): otherwise a timer tick due
// during a step would take gdb into the interrupt handler, and stepping over a breakpoint would
// come back to the same breakpoint when the handler returns.
RunResult Machine::Impl::step()
{
    if (finished)
        return *finished;
    begin_resume();
    auto stepped = [&] {
        return RunResult { StopReason::Step, 0, fmt::format("stepped to RIP {:#x}", cpu.read(UC_X86_REG_RIP)) };
    };
    latch.clear();
    uc_err const err = uc_emu_start(uc.get(), cpu.read(UC_X86_REG_RIP), PrivilegeGate::landing_va, 0, 1);
    if (auto result = power_off_result())
        return finish(*result);
    if (auto const& error = cpu.engine_error())
        return emulator_error(error->message);
    if (latch.event || err != UC_ERR_OK) {
        if (auto result = after_engine_stop(err))
            return *result;
        return stepped();
    }
    if (auto stop = debugger.take_stop(); stop && stop->reason == StopReason::Watchpoint)
        return *stop;
    return stepped();
}

} // namespace lkmemu
