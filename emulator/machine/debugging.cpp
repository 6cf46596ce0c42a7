// What the gdb stub and the tracer need from the machine: breakpoints and watchpoints as engine
// hooks (nothing is patched into guest memory), single-step, raw register access, and an
// observer of instructions and events. See docs/machine.md, "Debugging and tracing".
#include "cpu/x86.h"
#include "machine/machine_impl.h"

#include <lkmemu/devices.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace lkmemu {

namespace {
Machine::Impl& impl(void* user) { return *static_cast<Machine::Impl*>(user); }

void hook_breakpoint(uc_engine*, uint64_t address, uint32_t, void* user) { impl(user).on_breakpoint(address); }
void hook_watched_access(uc_engine*, uc_mem_type type, uint64_t address, int, int64_t, void* user)
{
    impl(user).on_watched_access(type, address);
}
void hook_after_watch(uc_engine*, uint64_t address, uint32_t, void* user) { impl(user).on_instruction_after_watch(address); }
void hook_observed(uc_engine*, uint64_t address, uint32_t, void* user) { impl(user).on_observed_instruction(address); }
void hook_syscall_return(uc_engine*, uint64_t address, uint32_t, void* user) { impl(user).on_syscall_return(address); }

const char* watch_kind_name(WatchKind kind)
{
    switch (kind) {
    case WatchKind::Write:
        return "write";
    case WatchKind::Read:
        return "read";
    case WatchKind::Access:
        return "access";
    }
    return "?";
}

// Unicorn 2.1.4 decides which hooks run for an instruction when it translates the block: a hook
// added later is not called for code already translated, and a deleted one still is. Every
// change to the debugging hooks therefore throws the translations away (docs/debugging.md).
Result<void> flush_translations(Machine::Impl& m)
{
    LKMEMU_TRY(uc_check(uc_ctl_flush_tb(m.uc.get()), "flushing translated code after a hook change"));
    m.counter.invalidate();
    return {};
}
} // namespace

void Machine::Impl::on_breakpoint(uint64_t address)
{
    if (gate.is_hidden(address))
        return;
    if (skip_breakpoint_at == address) { // the instruction the resume starts from
        skip_breakpoint_at.reset();
        return;
    }
    if (!debug_stop)
        debug_stop = RunResult { StopReason::Breakpoint, 0, fmt::format("breakpoint at {:#x}", address), address };
    stop_engine();
}

void Machine::Impl::on_watched_access(uc_mem_type type, uint64_t address)
{
    // Unicorn 2.1.4 passes these hooks the address after its TLB (physical for reads, and not
    // reliably one or the other), so the hook covers everything and each watch is matched by its
    // virtual range and by where that range maps now.
    // Stopping here would leave RIP at the accessing instruction with its access done (it would
    // run twice); note the hit and stop before the next instruction instead.
    if (pending_watch_hit)
        return;
    for (auto const& watch : watches) {
        bool const is_write = type == UC_MEM_WRITE;
        if (!(watch.kind == WatchKind::Access || (watch.kind == WatchKind::Write) == is_write))
            continue;
        if (address >= watch.va && address - watch.va < watch.length) {
            pending_watch_hit = std::pair { address, watch.kind };
            return;
        }
        auto const physical = observe_translate(watch.va);
        if (!physical.is_error() && address >= physical.value() && address - physical.value() < watch.length) {
            pending_watch_hit = std::pair { watch.va + (address - physical.value()), watch.kind };
            return;
        }
    }
}

void Machine::Impl::on_instruction_after_watch(uint64_t address)
{
    if (pending_watch_hit && !gate.is_hidden(address)) {
        if (!debug_stop)
            debug_stop = take_debug_stop();
        stop_engine();
    }
}

std::optional<RunResult> Machine::Impl::take_debug_stop()
{
    if (debug_stop) {
        auto stop = std::move(debug_stop);
        debug_stop.reset();
        return stop;
    }
    if (pending_watch_hit) {
        auto const [address, kind] = *pending_watch_hit;
        pending_watch_hit.reset();
        return RunResult { StopReason::Watchpoint, 0, fmt::format("{} watchpoint hit at {:#x}", watch_kind_name(kind), address),
                           address, kind };
    }
    return std::nullopt;
}

void Machine::Impl::on_observed_instruction(uint64_t address)
{
    // After a power-off the engine still finishes its current translated block (uc_emu_stop
    // takes effect at the next block); those instructions are not part of the guest's run.
    if (!observer || gate.is_hidden(address) || power_off_status)
        return;
    uint8_t bytes[15];
    size_t length = sizeof bytes;
    while (length > 0 && machine.read_virtual(address, { bytes, length }).is_error())
        length = std::min<size_t>(length - 1, 4096 - (address & 0xfff));
    observer->instruction(address, { bytes, length });
}

void Machine::Impl::notify_delivery(const CpuEvent& event, uint64_t rip)
{
    if (!observer)
        return;
    switch (event.kind) {
    case EventKind::Exception:
        observer->exception(event.vector, event.has_error_code() ? std::optional<uint64_t>(event.error_code) : std::nullopt,
                            event.vector == x86::vector::page_fault ? std::optional<uint64_t>(event.cr2) : std::nullopt, rip);
        return;
    case EventKind::SoftwareInterrupt:
    case EventKind::ExternalInterrupt:
        observer->interrupt(event.vector, rip);
        return;
    case EventKind::Syscall:
        observer->syscall(rip);
        return;
    }
}

void Machine::Impl::follow_syscall_return(uint64_t return_rip)
{
    if (!observer)
        return;
    if (syscall_return_hook)
        cpu.note(uc_hook_del(uc.get(), syscall_return_hook), "removing the syscall-return hook");
    syscall_return_hook = 0;
    uc_err const err = uc_hook_add(uc.get(), &syscall_return_hook, UC_HOOK_CODE,
                                   reinterpret_cast<void*>(hook_syscall_return), this, return_rip, return_rip);
    if (err != UC_ERR_OK)
        syscall_return_hook = 0;
    cpu.note(err, "adding the syscall-return hook");
}

void Machine::Impl::on_syscall_return(uint64_t address)
{
    if (!syscall_return_hook)
        return;
    // Deleting a hook from inside a hook is deferred by Unicorn to the end of uc_emu_start.
    cpu.note(uc_hook_del(uc.get(), syscall_return_hook), "removing the syscall-return hook");
    syscall_return_hook = 0;
    if (observer)
        observer->syscall_return(address, cpu.read(UC_X86_REG_RAX));
}

Result<void> Machine::Impl::update_watch_step_hook()
{
    if (!watches.empty() && !watch_step_hook) {
        LKMEMU_TRY(uc_check(uc_hook_add(uc.get(), &watch_access_hook, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                                        reinterpret_cast<void*>(hook_watched_access), this, 1, 0),
                            "adding the watchpoint access hook"));
        return uc_check(uc_hook_add(uc.get(), &watch_step_hook, UC_HOOK_CODE, reinterpret_cast<void*>(hook_after_watch), this, 1, 0),
                        "adding the watchpoint step hook");
    }
    if (watches.empty() && watch_step_hook) {
        LKMEMU_TRY(uc_check(uc_hook_del(uc.get(), watch_access_hook), "removing the watchpoint access hook"));
        watch_access_hook = 0;
        auto result = uc_check(uc_hook_del(uc.get(), watch_step_hook), "removing the watchpoint step hook");
        watch_step_hook = 0;
        return result;
    }
    return {};
}

void Machine::Impl::begin_resume()
{
    skip_breakpoint_at = cpu.read(UC_X86_REG_RIP);
    debug_stop.reset();
    pending_watch_hit.reset();
}

RunResult Machine::Impl::step()
{
    if (finished)
        return *finished;
    begin_resume();
    poll_timer();
    auto stepped = [&] {
        return RunResult { StopReason::Step, 0, fmt::format("stepped to RIP {:#x}", cpu.read(UC_X86_REG_RIP)) };
    };
    if ((cpu.read(UC_X86_REG_RFLAGS) & x86::rflags::if_) && pic.has_pending()) {
        CpuEvent irq;
        irq.kind = EventKind::ExternalInterrupt;
        irq.vector = *pic.acknowledge();
        if (auto result = deliver(irq))
            return *result;
        return stepped();
    }
    latch.clear();
    uc_err const err = uc_emu_start(uc.get(), cpu.read(UC_X86_REG_RIP), PrivilegeGate::landing_va, 0, 1);
    if (power_off_status) {
        uint32_t const status = *power_off_status;
        return finish(RunResult { status == LKMEMU_EXIT_PANIC ? StopReason::Panic : StopReason::PowerOff, status,
                                  fmt::format("powered off with status {}", status) });
    }
    if (auto const& error = cpu.engine_error())
        return emulator_error(error->message);
    if (latch.event || err != UC_ERR_OK) {
        if (auto result = after_engine_stop(err))
            return *result;
        return stepped();
    }
    if (auto stop = take_debug_stop(); stop && stop->reason == StopReason::Watchpoint)
        return *stop;
    return stepped();
}

RunResult Machine::step() { return m_impl->step(); }

Result<void> Machine::add_breakpoint(uint64_t va)
{
    auto& m = *m_impl;
    if (m.breakpoints.count(va))
        return {};
    uc_hook hook = 0;
    LKMEMU_TRY(uc_check(uc_hook_add(m.uc.get(), &hook, UC_HOOK_CODE, reinterpret_cast<void*>(hook_breakpoint), &m, va, va),
                        fmt::format("adding a breakpoint at {:#x}", va)));
    m.breakpoints.emplace(va, hook);
    return flush_translations(m);
}

Result<void> Machine::remove_breakpoint(uint64_t va)
{
    auto& m = *m_impl;
    auto it = m.breakpoints.find(va);
    if (it == m.breakpoints.end())
        return make_error(fmt::format("no breakpoint at {:#x}", va));
    LKMEMU_TRY(uc_check(uc_hook_del(m.uc.get(), it->second), fmt::format("removing the breakpoint at {:#x}", va)));
    m.breakpoints.erase(it);
    return flush_translations(m);
}

Result<void> Machine::add_watchpoint(uint64_t va, uint64_t length, WatchKind kind)
{
    auto& m = *m_impl;
    if (length == 0)
        return make_error("a watchpoint needs a length of at least 1 byte");
    for (auto const& w : m.watches) {
        if (w.va == va && w.length == length && w.kind == kind)
            return {};
    }
    m.watches.push_back(Impl::Watch { va, length, kind });
    LKMEMU_TRY(m.update_watch_step_hook());
    return flush_translations(m);
}

Result<void> Machine::remove_watchpoint(uint64_t va, uint64_t length, WatchKind kind)
{
    auto& m = *m_impl;
    auto it = std::find_if(m.watches.begin(), m.watches.end(),
                           [&](const Impl::Watch& w) { return w.va == va && w.length == length && w.kind == kind; });
    if (it == m.watches.end())
        return make_error(fmt::format("no {} watchpoint at {:#x} ({} bytes)", watch_kind_name(kind), va, length));
    m.watches.erase(it);
    LKMEMU_TRY(m.update_watch_step_hook());
    return flush_translations(m);
}

Result<void> Machine::read_engine_register(int reg, std::span<uint8_t> bytes) const
{
    size_t size = bytes.size();
    return uc_check(uc_reg_read2(m_impl->uc.get(), reg, bytes.data(), &size), fmt::format("reading register {}", reg));
}

Result<void> Machine::write_engine_register(int reg, std::span<const uint8_t> bytes)
{
    auto& m = *m_impl;
    if (reg == UC_X86_REG_CS || reg == UC_X86_REG_SS) {
        uint16_t current = m.cpu.read_selector(static_cast<uc_x86_reg>(reg));
        uint16_t wanted = 0;
        std::memcpy(&wanted, bytes.data(), std::min<size_t>(bytes.size(), 2));
        if (wanted != current)
            return make_error(fmt::format("cannot change {} from {:#x} to {:#x}: the privilege level changes only by "
                                          "instructions the guest executes",
                                          reg == UC_X86_REG_CS ? "CS" : "SS", current, wanted));
        return {};
    }
    size_t size = bytes.size();
    LKMEMU_TRY(uc_check(uc_reg_write2(m.uc.get(), reg, bytes.data(), &size), fmt::format("writing register {}", reg)));
    bool const changes_translation = reg == UC_X86_REG_CR0 || reg == UC_X86_REG_CR3 || reg == UC_X86_REG_CR4 ||
                                     reg == UC_X86_REG_MSR;
    if (changes_translation) {
        LKMEMU_TRY(uc_check(uc_ctl_flush_tlb(m.uc.get()), "flushing the TLB"));
        m.counter.invalidate();
    }
    return {};
}

Result<void> Machine::set_execution_observer(ExecutionObserver* observer, uint64_t first, uint64_t last)
{
    auto& m = *m_impl;
    if (m.observer_hook) {
        LKMEMU_TRY(uc_check(uc_hook_del(m.uc.get(), m.observer_hook), "removing the trace hook"));
        m.observer_hook = 0;
    }
    m.observer = observer;
    if (observer) {
        LKMEMU_TRY(uc_check(uc_hook_add(m.uc.get(), &m.observer_hook, UC_HOOK_CODE, reinterpret_cast<void*>(hook_observed), &m,
                                        first, last),
                            "adding the trace hook"));
    }
    return flush_translations(m);
}

} // namespace lkmemu
