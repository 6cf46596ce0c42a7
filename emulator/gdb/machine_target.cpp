#include "gdb/machine_target.h"

#include <unicorn/x86.h>

#include <cstdio>
#include <cstring>

namespace lkmemu::gdb {

namespace {

// How a gdb register lives in the engine.
enum class Storage : uint8_t {
    Plain, // an engine register of at most 8 bytes: gdb's bytes are its low bytes
    X87,   // FP0-FP7: 10 bytes, as gdb's i387_ext
    Msr,   // read and written through UC_X86_REG_MSR
};

struct EngineRegister {
    Storage storage;
    int id; // uc_x86_reg, or the MSR index for Storage::Msr
};

constexpr uint32_t msr_efer = 0xc0000080;
constexpr uint32_t msr_kernel_gs_base = 0xc0000102;

EngineRegister engine_register(Register reg)
{
    switch (reg) {
    case Register::rax: return {Storage::Plain, UC_X86_REG_RAX};
    case Register::rbx: return {Storage::Plain, UC_X86_REG_RBX};
    case Register::rcx: return {Storage::Plain, UC_X86_REG_RCX};
    case Register::rdx: return {Storage::Plain, UC_X86_REG_RDX};
    case Register::rsi: return {Storage::Plain, UC_X86_REG_RSI};
    case Register::rdi: return {Storage::Plain, UC_X86_REG_RDI};
    case Register::rbp: return {Storage::Plain, UC_X86_REG_RBP};
    case Register::rsp: return {Storage::Plain, UC_X86_REG_RSP};
    case Register::r8: return {Storage::Plain, UC_X86_REG_R8};
    case Register::r9: return {Storage::Plain, UC_X86_REG_R9};
    case Register::r10: return {Storage::Plain, UC_X86_REG_R10};
    case Register::r11: return {Storage::Plain, UC_X86_REG_R11};
    case Register::r12: return {Storage::Plain, UC_X86_REG_R12};
    case Register::r13: return {Storage::Plain, UC_X86_REG_R13};
    case Register::r14: return {Storage::Plain, UC_X86_REG_R14};
    case Register::r15: return {Storage::Plain, UC_X86_REG_R15};
    case Register::rip: return {Storage::Plain, UC_X86_REG_RIP};
    case Register::eflags: return {Storage::Plain, UC_X86_REG_EFLAGS};
    case Register::cs: return {Storage::Plain, UC_X86_REG_CS};
    case Register::ss: return {Storage::Plain, UC_X86_REG_SS};
    case Register::ds: return {Storage::Plain, UC_X86_REG_DS};
    case Register::es: return {Storage::Plain, UC_X86_REG_ES};
    case Register::fs: return {Storage::Plain, UC_X86_REG_FS};
    case Register::gs: return {Storage::Plain, UC_X86_REG_GS};
    case Register::st0: return {Storage::X87, UC_X86_REG_FP0};
    case Register::st1: return {Storage::X87, UC_X86_REG_FP1};
    case Register::st2: return {Storage::X87, UC_X86_REG_FP2};
    case Register::st3: return {Storage::X87, UC_X86_REG_FP3};
    case Register::st4: return {Storage::X87, UC_X86_REG_FP4};
    case Register::st5: return {Storage::X87, UC_X86_REG_FP5};
    case Register::st6: return {Storage::X87, UC_X86_REG_FP6};
    case Register::st7: return {Storage::X87, UC_X86_REG_FP7};
    case Register::fctrl: return {Storage::Plain, UC_X86_REG_FPCW};
    case Register::fstat: return {Storage::Plain, UC_X86_REG_FPSW};
    case Register::ftag: return {Storage::Plain, UC_X86_REG_FPTAG};
    case Register::fiseg: return {Storage::Plain, UC_X86_REG_FCS};
    case Register::fioff: return {Storage::Plain, UC_X86_REG_FIP};
    case Register::foseg: return {Storage::Plain, UC_X86_REG_FDS};
    case Register::fooff: return {Storage::Plain, UC_X86_REG_FDP};
    case Register::fop: return {Storage::Plain, UC_X86_REG_FOP};
    case Register::fs_base: return {Storage::Plain, UC_X86_REG_FS_BASE};
    case Register::gs_base: return {Storage::Plain, UC_X86_REG_GS_BASE};
    case Register::k_gs_base: return {Storage::Msr, static_cast<int>(msr_kernel_gs_base)};
    case Register::cr0: return {Storage::Plain, UC_X86_REG_CR0};
    case Register::cr2: return {Storage::Plain, UC_X86_REG_CR2};
    case Register::cr3: return {Storage::Plain, UC_X86_REG_CR3};
    case Register::cr4: return {Storage::Plain, UC_X86_REG_CR4};
    case Register::cr8: return {Storage::Plain, UC_X86_REG_CR8};
    case Register::efer: return {Storage::Msr, static_cast<int>(msr_efer)};
    }
    return {Storage::Plain, UC_X86_REG_INVALID};
}

// A machine error as a target error: gdb gets `code`, the log gets the machine's message.
lkm::Error machine_error(int code, const char* reason, const Error& error)
{
    auto result = lkm::Error::from_errno(code, reason);
    std::snprintf(result.context, sizeof result.context, "%s", error.message.c_str());
    return result;
}

WatchKind watch_kind(BreakpointKind kind)
{
    return kind == BreakpointKind::ReadWatch ? WatchKind::Read
           : kind == BreakpointKind::AccessWatch ? WatchKind::Access
                                                 : WatchKind::Write;
}

BreakpointKind breakpoint_kind(WatchKind kind)
{
    return kind == WatchKind::Read ? BreakpointKind::ReadWatch
           : kind == WatchKind::Access ? BreakpointKind::AccessWatch
                                       : BreakpointKind::WriteWatch;
}

} // namespace

lkm::ErrorOr<StopEvent> MachineDebugTarget::attach()
{
    if (m_finished)
        return stop_event(m_last);
    return StopEvent {};
}

lkm::ErrorOr<void> MachineDebugTarget::read_register(Register reg, std::span<uint8_t> out)
{
    auto engine = engine_register(reg);
    if (engine.storage == Storage::Msr) {
        uc_x86_msr msr {static_cast<uint32_t>(engine.id), 0};
        auto read = m_machine.read_engine_register(UC_X86_REG_MSR, {reinterpret_cast<uint8_t*>(&msr), sizeof msr});
        if (read.is_error())
            return machine_error(LKM_EIO, "the machine could not read the register", read.error());
        std::memcpy(out.data(), &msr.value, std::min(out.size(), sizeof msr.value));
        return {};
    }
    uint8_t value[16] = {}; // as wide as any engine register gdb reads here
    size_t width = engine.storage == Storage::X87 ? 10 : 8;
    auto read = m_machine.read_engine_register(engine.id, {value, width});
    if (read.is_error())
        return machine_error(LKM_EIO, "the machine could not read the register", read.error());
    std::memcpy(out.data(), value, out.size());
    return {};
}

lkm::ErrorOr<void> MachineDebugTarget::write_register(Register reg, std::span<const uint8_t> bytes)
{
    auto engine = engine_register(reg);
    Result<void> written;
    if (engine.storage == Storage::Msr) {
        uc_x86_msr msr {static_cast<uint32_t>(engine.id), 0};
        std::memcpy(&msr.value, bytes.data(), std::min(bytes.size(), sizeof msr.value));
        written = m_machine.write_engine_register(UC_X86_REG_MSR, {reinterpret_cast<const uint8_t*>(&msr), sizeof msr});
    } else {
        uint8_t value[16] = {}; // gdb's 32-bit eflags and selectors widen with zeros
        std::memcpy(value, bytes.data(), std::min(bytes.size(), sizeof value));
        size_t width = engine.storage == Storage::X87 ? 10 : 8;
        written = m_machine.write_engine_register(engine.id, {value, width});
    }
    if (written.is_error())
        return machine_error(LKM_EPERM, "the machine refused the register write", written.error());
    return {};
}

lkm::ErrorOr<void> MachineDebugTarget::read_memory(uint64_t address, std::span<uint8_t> out)
{
    if (auto read = m_machine.read_virtual(address, out); read.is_error())
        return machine_error(LKM_EFAULT, "not mapped", read.error());
    return {};
}

lkm::ErrorOr<void> MachineDebugTarget::write_memory(uint64_t address, std::span<const uint8_t> data)
{
    if (auto written = m_machine.write_virtual(address, data); written.is_error())
        return machine_error(LKM_EFAULT, "not mapped", written.error());
    return {};
}

lkm::ErrorOr<void> MachineDebugTarget::insert_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length)
{
    if (is_watchpoint(kind)) {
        auto key = std::tuple {address, length, watch_kind(kind)};
        if (m_watchpoints[key] == 0) {
            if (auto added = m_machine.add_watchpoint(address, length, watch_kind(kind)); added.is_error()) {
                m_watchpoints.erase(key);
                return machine_error(LKM_EINVAL, "the machine refused the watchpoint", added.error());
            }
        }
        ++m_watchpoints[key];
        return {};
    }
    auto& counts = m_breakpoints[address];
    if (counts.software + counts.hardware == 0) {
        if (auto added = m_machine.add_breakpoint(address); added.is_error()) {
            m_breakpoints.erase(address);
            return machine_error(LKM_EINVAL, "the machine refused the breakpoint", added.error());
        }
    }
    ++(kind == BreakpointKind::Software ? counts.software : counts.hardware);
    return {};
}

lkm::ErrorOr<void> MachineDebugTarget::remove_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length)
{
    if (is_watchpoint(kind)) {
        auto it = m_watchpoints.find(std::tuple {address, length, watch_kind(kind)});
        if (it == m_watchpoints.end())
            return lkm::Error::from_errno(LKM_ENOENT, "no such watchpoint");
        if (--it->second == 0) {
            m_watchpoints.erase(it);
            if (auto removed = m_machine.remove_watchpoint(address, length, watch_kind(kind)); removed.is_error())
                return machine_error(LKM_EIO, "the machine could not remove the watchpoint", removed.error());
        }
        return {};
    }
    auto it = m_breakpoints.find(address);
    unsigned* count = it == m_breakpoints.end() ? nullptr
                      : kind == BreakpointKind::Software ? &it->second.software
                                                         : &it->second.hardware;
    if (!count || *count == 0)
        return lkm::Error::from_errno(LKM_ENOENT, "no such breakpoint");
    --*count;
    if (it->second.software + it->second.hardware == 0) {
        m_breakpoints.erase(it);
        if (auto removed = m_machine.remove_breakpoint(address); removed.is_error())
            return machine_error(LKM_EIO, "the machine could not remove the breakpoint", removed.error());
    }
    return {};
}

StopEvent MachineDebugTarget::stop_event(const RunResult& result) const
{
    switch (result.reason) {
    case lkmemu::StopReason::PowerOff: return {.reason = gdb::StopReason::Exited, .exit_status = static_cast<int>(result.guest_status)};
    // A panic keeps the session: gdb can still show the registers and memory it died with.
    case lkmemu::StopReason::Panic: return {.reason = gdb::StopReason::Fault, .signal = GdbSignal::Abrt};
    case lkmemu::StopReason::TripleFault:
    case lkmemu::StopReason::EmulatorError: return {.reason = gdb::StopReason::Fault, .signal = GdbSignal::Segv};
    case lkmemu::StopReason::Dead: return {.reason = gdb::StopReason::Fault, .signal = GdbSignal::Kill};
    case lkmemu::StopReason::Stopped: return {.reason = gdb::StopReason::Interrupted};
    case lkmemu::StopReason::Breakpoint: {
        auto it = m_breakpoints.find(result.address);
        bool software = it == m_breakpoints.end() || it->second.software > 0;
        return {.reason = software ? gdb::StopReason::SoftwareBreakpoint : gdb::StopReason::HardwareBreakpoint};
    }
    case lkmemu::StopReason::Watchpoint:
        return {.reason = gdb::StopReason::Watchpoint,
                .watch_kind = breakpoint_kind(result.watch_kind),
                .watch_address = result.address};
    case lkmemu::StopReason::Step: return {.reason = gdb::StopReason::Step};
    }
    return {.reason = gdb::StopReason::Fault, .signal = GdbSignal::Segv};
}

lkm::ErrorOr<StopEvent> MachineDebugTarget::resume(ResumeMode mode)
{
    if (!m_finished) {
        m_last = mode == ResumeMode::Step ? m_machine.step() : m_machine.run();
        switch (m_last.reason) {
        case lkmemu::StopReason::PowerOff:
        case lkmemu::StopReason::Panic:
        case lkmemu::StopReason::TripleFault:
        case lkmemu::StopReason::Dead:
        case lkmemu::StopReason::EmulatorError: m_finished = true; break;
        default: break;
        }
    }
    return stop_event(m_last);
}

void MachineDebugTarget::interrupt() { m_machine.request_stop(); }

void MachineDebugTarget::detach()
{
    // Best effort: each was added by this adapter, so removing it cannot find it missing.
    for (const auto& [address, counts] : m_breakpoints)
        (void)m_machine.remove_breakpoint(address);
    for (const auto& [key, count] : m_watchpoints)
        (void)m_machine.remove_watchpoint(std::get<0>(key), std::get<1>(key), std::get<2>(key));
    m_breakpoints.clear();
    m_watchpoints.clear();
}

void MachineDebugTarget::kill() { m_kill_requested = true; }

} // namespace lkmemu::gdb
