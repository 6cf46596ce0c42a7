#include "machine/debugger.h"

#include "machine/translated_code.h"

#include <fmt/format.h>

#include <algorithm>

namespace lkmemu {

namespace {
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
} // namespace

Debugger::Debugger(const Cpu& cpu, const PrivilegeGate& gate, InstructionCounter& counter, Translate translate)
    : m_cpu(cpu), m_gate(gate), m_counter(counter), m_translate(std::move(translate))
{
}

void Debugger::hook_breakpoint(uc_engine*, uint64_t address, uint32_t, void* self)
{
    static_cast<Debugger*>(self)->on_breakpoint(address);
}

void Debugger::hook_watched_access(uc_engine*, uc_mem_type type, uint64_t address, int, int64_t, void* self)
{
    static_cast<Debugger*>(self)->on_watched_access(type, address);
}

void Debugger::hook_after_watch(uc_engine*, uint64_t address, uint32_t, void* self)
{
    static_cast<Debugger*>(self)->on_instruction_after_watch(address);
}

void Debugger::stop_engine() const { m_cpu.note(uc_emu_stop(m_uc), "uc_emu_stop"); }

void Debugger::on_breakpoint(uint64_t address)
{
    if (m_gate.is_hidden(address))
        return;
    if (m_skip_breakpoint_at == address) { // the instruction the resume starts from
        m_skip_breakpoint_at.reset();
        return;
    }
    if (!m_stop)
        m_stop = RunResult { StopReason::Breakpoint, 0, fmt::format("breakpoint at {:#x}", address), address };
    stop_engine();
}

std::optional<RunResult> Debugger::fetch_fault_at_breakpoint(uint64_t rip) const
{
    if (!m_breakpoints.contains(rip) || m_gate.is_hidden(rip))
        return std::nullopt;
    return RunResult { StopReason::Breakpoint, 0, fmt::format("breakpoint at {:#x}", rip), rip };
}

void Debugger::on_watched_access(uc_mem_type type, uint64_t address)
{
    // Unicorn 2.1.4 passes these hooks the address after its TLB (physical for reads, and not
    // reliably one or the other), so the hook covers everything and each watch is matched by its
    // virtual range and by where that range maps now.
    // Stopping here would leave RIP at the accessing instruction with its access done (it would
    // run twice); note the hit and stop before the next instruction instead.
    if (m_pending_watch_hit)
        return;
    bool const is_write = type == UC_MEM_WRITE;
    for (auto const& watch : m_watches) {
        if (!(watch.kind == WatchKind::Access || (watch.kind == WatchKind::Write) == is_write))
            continue;
        if (address >= watch.va && address - watch.va < watch.length) {
            m_pending_watch_hit = std::pair { address, watch.kind };
            return;
        }
        auto const physical = m_translate(watch.va);
        if (!physical.is_error() && address >= physical.value() && address - physical.value() < watch.length) {
            m_pending_watch_hit = std::pair { watch.va + (address - physical.value()), watch.kind };
            return;
        }
    }
}

void Debugger::on_instruction_after_watch(uint64_t address)
{
    if (m_pending_watch_hit && !m_gate.is_hidden(address)) {
        if (!m_stop)
            m_stop = take_stop();
        stop_engine();
    }
}

std::optional<RunResult> Debugger::take_stop()
{
    if (m_stop) {
        auto stop = std::move(m_stop);
        m_stop.reset();
        return stop;
    }
    if (m_pending_watch_hit) {
        auto const [address, kind] = *m_pending_watch_hit;
        m_pending_watch_hit.reset();
        return RunResult { StopReason::Watchpoint, 0, fmt::format("{} watchpoint hit at {:#x}", watch_kind_name(kind), address),
                           address, kind };
    }
    return std::nullopt;
}

void Debugger::begin_resume(uint64_t rip)
{
    m_skip_breakpoint_at = rip;
    m_stop.reset();
    m_pending_watch_hit.reset();
}

Result<void> Debugger::update_watch_hooks()
{
    if (!m_watches.empty() && !m_watch_step_hook) {
        LKMEMU_TRY(uc_check(uc_hook_add(m_uc, &m_watch_access_hook, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                                        reinterpret_cast<void*>(hook_watched_access), this, 1, 0),
                            "adding the watchpoint access hook"));
        return uc_check(uc_hook_add(m_uc, &m_watch_step_hook, UC_HOOK_CODE, reinterpret_cast<void*>(hook_after_watch), this, 1, 0),
                        "adding the watchpoint step hook");
    }
    if (m_watches.empty() && m_watch_step_hook) {
        LKMEMU_TRY(uc_check(uc_hook_del(m_uc, m_watch_access_hook), "removing the watchpoint access hook"));
        m_watch_access_hook = 0;
        auto result = uc_check(uc_hook_del(m_uc, m_watch_step_hook), "removing the watchpoint step hook");
        m_watch_step_hook = 0;
        return result;
    }
    return {};
}

Result<void> Debugger::add_breakpoint(uint64_t va)
{
    if (m_breakpoints.count(va))
        return {};
    uc_hook hook = 0;
    LKMEMU_TRY(uc_check(uc_hook_add(m_uc, &hook, UC_HOOK_CODE, reinterpret_cast<void*>(hook_breakpoint), this, va, va),
                        fmt::format("adding a breakpoint at {:#x}", va)));
    m_breakpoints.emplace(va, hook);
    return flush_translated_code(m_uc, m_counter, "flushing translated code after a hook change");
}

Result<void> Debugger::remove_breakpoint(uint64_t va)
{
    auto it = m_breakpoints.find(va);
    if (it == m_breakpoints.end())
        return make_error(fmt::format("no breakpoint at {:#x}", va));
    LKMEMU_TRY(uc_check(uc_hook_del(m_uc, it->second), fmt::format("removing the breakpoint at {:#x}", va)));
    m_breakpoints.erase(it);
    return flush_translated_code(m_uc, m_counter, "flushing translated code after a hook change");
}

Result<void> Debugger::add_watchpoint(uint64_t va, uint64_t length, WatchKind kind)
{
    if (length == 0)
        return make_error("a watchpoint needs a length of at least 1 byte");
    for (auto const& w : m_watches) {
        if (w.va == va && w.length == length && w.kind == kind)
            return {};
    }
    m_watches.push_back(Watch { va, length, kind });
    LKMEMU_TRY(update_watch_hooks());
    return flush_translated_code(m_uc, m_counter, "flushing translated code after a hook change");
}

Result<void> Debugger::remove_watchpoint(uint64_t va, uint64_t length, WatchKind kind)
{
    auto it = std::find_if(m_watches.begin(), m_watches.end(),
                           [&](const Watch& w) { return w.va == va && w.length == length && w.kind == kind; });
    if (it == m_watches.end())
        return make_error(fmt::format("no {} watchpoint at {:#x} ({} bytes)", watch_kind_name(kind), va, length));
    m_watches.erase(it);
    LKMEMU_TRY(update_watch_hooks());
    return flush_translated_code(m_uc, m_counter, "flushing translated code after a hook change");
}

} // namespace lkmemu
