#include "fake_target.h"

#include <cstring>
#include <thread>
#include <tuple>

namespace lkmemu::gdb::testing {

namespace {

constexpr uint64_t page_size = 0x1000;

lkm::Error efault() { return lkm::Error::from_errno(LKM_EFAULT, "address not mapped"); }

} // namespace

FakeTarget::FakeTarget()
{
    m_pages[code_base] = {};
    m_pages[data_address] = {};
    m_pages[stack_top - page_size] = {};
    const uint8_t program[] = {0x90, 0x90, 0xff, 0x04, 0x25, 0x00, 0x10, 0x00, 0x81, 0x90, 0xeb, 0xf4, 0xf4};
    std::memcpy(m_pages[code_base].data(), program, sizeof program);
    const uint8_t data[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    std::memcpy(m_pages[data_address].data(), data, sizeof data);

    set_reg(Register::rip, code_base);
    set_reg(Register::rsp, stack_top - 0x100);
    set_reg(Register::rax, 0x1234);
    set_reg(Register::eflags, 0x2);
    set_reg(Register::cs, 0x08);
    set_reg(Register::ss, 0x10);
    set_reg(Register::ds, 0x10);
    set_reg(Register::es, 0x10);
    set_reg(Register::gs_base, 0xffff888000100000);
    set_reg(Register::k_gs_base, 0x7fff0000);
    set_reg(Register::cr0, 0x80010033); // PE MP ET NE WP PG
    set_reg(Register::cr3, 0x10000);
    set_reg(Register::cr4, 0x620);      // PAE OSFXSR OSXMMEXCPT
    set_reg(Register::efer, 0xd00);     // LME LMA NXE
    set_reg(Register::fctrl, 0x37f);
}

uint64_t FakeTarget::reg(Register reg) const
{
    uint64_t value = 0;
    std::memcpy(&value, m_registers[static_cast<size_t>(reg)].data(), std::min<size_t>(8, register_info(reg).bytes()));
    return value;
}

void FakeTarget::set_reg(Register reg, uint64_t value)
{
    auto& slot = m_registers[static_cast<size_t>(reg)];
    slot.fill(0);
    std::memcpy(slot.data(), &value, std::min<size_t>(8, register_info(reg).bytes()));
}

uint32_t FakeTarget::data_word() const
{
    uint32_t value;
    std::memcpy(&value, m_pages.at(data_address).data(), sizeof value);
    return value;
}

lkm::ErrorOr<StopEvent> FakeTarget::attach() { return StopEvent {}; }

lkm::ErrorOr<void> FakeTarget::read_register(Register reg, std::span<uint8_t> out)
{
    if (out.size() != register_info(reg).bytes())
        return lkm::Error::from_errno(LKM_EINVAL, "wrong register size");
    std::memcpy(out.data(), m_registers[static_cast<size_t>(reg)].data(), out.size());
    return {};
}

lkm::ErrorOr<void> FakeTarget::write_register(Register reg, std::span<const uint8_t> value)
{
    if (value.size() != register_info(reg).bytes())
        return lkm::Error::from_errno(LKM_EINVAL, "wrong register size");
    if (reg == Register::cs && value[0] == 0xff) // a write the fake refuses, for the error paths
        return lkm::Error::from_errno(LKM_EPERM, "selector refused");
    std::memcpy(m_registers[static_cast<size_t>(reg)].data(), value.data(), value.size());
    return {};
}

bool FakeTarget::mapped(uint64_t address, size_t length) const
{
    for (uint64_t page = address & ~(page_size - 1); page < address + length; page += page_size)
        if (!m_pages.contains(page))
            return false;
    return true;
}

uint8_t* FakeTarget::byte_at(uint64_t address)
{
    return &m_pages.at(address & ~(page_size - 1))[address & (page_size - 1)];
}

lkm::ErrorOr<void> FakeTarget::read_memory(uint64_t address, std::span<uint8_t> out)
{
    if (!mapped(address, out.size()))
        return efault();
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = *byte_at(address + i);
    return {};
}

lkm::ErrorOr<void> FakeTarget::write_memory(uint64_t address, std::span<const uint8_t> data)
{
    if (!mapped(address, data.size()))
        return efault();
    for (size_t i = 0; i < data.size(); ++i)
        *byte_at(address + i) = data[i];
    return {};
}

lkm::ErrorOr<void> FakeTarget::insert_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length)
{
    ++m_breakpoints[{kind, address, length}];
    return {};
}

lkm::ErrorOr<void> FakeTarget::remove_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length)
{
    auto it = m_breakpoints.find({kind, address, length});
    if (it == m_breakpoints.end())
        return lkm::Error::from_errno(LKM_ENOENT, "no such breakpoint");
    if (--it->second == 0)
        m_breakpoints.erase(it);
    return {};
}

std::optional<StopEvent> FakeTarget::breakpoint_at(uint64_t rip) const
{
    for (const auto& [bp, count] : m_breakpoints) {
        if (bp.address != rip)
            continue;
        if (bp.kind == BreakpointKind::Software)
            return StopEvent {.reason = StopReason::SoftwareBreakpoint};
        if (bp.kind == BreakpointKind::Hardware)
            return StopEvent {.reason = StopReason::HardwareBreakpoint};
    }
    return std::nullopt;
}

std::optional<StopEvent> FakeTarget::watch_hit(uint64_t address, size_t length, bool write) const
{
    for (const auto& [bp, count] : m_breakpoints) {
        if (!is_watchpoint(bp.kind) || address + length <= bp.address || bp.address + bp.length <= address)
            continue;
        bool fires = bp.kind == BreakpointKind::AccessWatch || (bp.kind == BreakpointKind::WriteWatch) == write;
        if (fires)
            return StopEvent {.reason = StopReason::Watchpoint, .watch_kind = bp.kind, .watch_address = bp.address};
    }
    return std::nullopt;
}

std::optional<StopEvent> FakeTarget::execute_one()
{
    uint64_t rip = reg(Register::rip);
    uint8_t code[7] = {};
    if (!mapped(rip, 1))
        return StopEvent {.reason = StopReason::Fault, .signal = GdbSignal::Segv};
    for (size_t i = 0; i < sizeof code && mapped(rip + i, 1); ++i)
        code[i] = *byte_at(rip + i);
    switch (code[0]) {
    case 0x90: // nop
        set_reg(Register::rip, rip + 1);
        return std::nullopt;
    case 0xeb: // jmp rel8
        set_reg(Register::rip, rip + 2 + static_cast<int8_t>(code[1]));
        return std::nullopt;
    case 0xf4: // hlt: the fake's power-off
        set_reg(Register::rip, rip + 1);
        return StopEvent {.reason = StopReason::Exited, .exit_status = static_cast<int>(reg(Register::rax) & 0xff)};
    case 0xff:
        if (code[1] == 0x04 && code[2] == 0x25) { // inc dword ptr [disp32], sign-extended
            int32_t disp;
            std::memcpy(&disp, code + 3, sizeof disp);
            uint64_t address = static_cast<uint64_t>(static_cast<int64_t>(disp));
            if (!mapped(address, 4))
                return StopEvent {.reason = StopReason::Fault, .signal = GdbSignal::Segv};
            uint32_t value;
            std::memcpy(&value, byte_at(address), 4);
            ++value;
            std::memcpy(byte_at(address), &value, 4);
            set_reg(Register::rip, rip + 7);
            // An inc reads and writes: access and write watchpoints fire, as on a real CPU.
            if (auto hit = watch_hit(address, 4, true))
                return hit;
            return watch_hit(address, 4, false);
        }
        [[fallthrough]];
    default: return StopEvent {.reason = StopReason::Fault, .signal = GdbSignal::Ill};
    }
}

lkm::ErrorOr<StopEvent> FakeTarget::resume(ResumeMode mode)
{
    running = true;
    struct Clear {
        std::atomic<bool>& flag;
        ~Clear() { flag = false; }
    } clear {running};
    for (bool first = true;; first = false) {
        if (m_interrupt_pending.exchange(false))
            return StopEvent {.reason = StopReason::Interrupted};
        if (!first) {
            if (auto hit = breakpoint_at(reg(Register::rip)))
                return *hit;
        }
        if (auto stop = execute_one())
            return *stop;
        if (mode == ResumeMode::Step)
            return StopEvent {.reason = StopReason::Step};
        std::this_thread::yield(); // a spinning guest must not starve the test's other thread
    }
}

void FakeTarget::interrupt() { m_interrupt_pending = true; }

void FakeTarget::detach()
{
    m_breakpoints.clear();
    m_interrupt_pending = false;
    m_detached = true;
}

void FakeTarget::kill() { m_killed = true; }

} // namespace lkmemu::gdb::testing
