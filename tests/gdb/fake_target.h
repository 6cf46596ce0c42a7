// A DebugTarget with a few pages of memory, a register file and a toy CPU that runs four real
// x86-64 instructions (nop, inc dword [abs32], jmp rel8, hlt), enough for gdb to break, step,
// watch and be interrupted. The program at code_base loops forever:
//
//   +0x0  90                      nop
//   +0x1  90                      nop
//   +0x2  ff 04 25 00 10 00 81    inc dword ptr [0xffffffff81001000]   (data_address)
//   +0x9  90                      nop
//   +0xa  eb f4                   jmp +0x0
//   +0xc  f4                      hlt   (powers off with status rax; reached by `jump`)
#pragma once

#include "gdb/debug_target.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <vector>

namespace lkmemu::gdb::testing {

class FakeTarget final : public DebugTarget {
public:
    static constexpr uint64_t code_base = 0xffffffff81000000;
    static constexpr uint64_t data_address = 0xffffffff81001000;
    static constexpr uint64_t stack_top = 0xffffffff81003000; // one page below it is mapped
    static constexpr uint64_t unmapped_address = 0xffffffff82000000;

    FakeTarget();

    lkm::ErrorOr<StopEvent> attach() override;
    lkm::ErrorOr<void> read_register(Register reg, std::span<uint8_t> out) override;
    lkm::ErrorOr<void> write_register(Register reg, std::span<const uint8_t> value) override;
    lkm::ErrorOr<void> read_memory(uint64_t address, std::span<uint8_t> out) override;
    lkm::ErrorOr<void> write_memory(uint64_t address, std::span<const uint8_t> data) override;
    lkm::ErrorOr<void> insert_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length) override;
    lkm::ErrorOr<void> remove_breakpoint(BreakpointKind kind, uint64_t address, uint64_t length) override;
    lkm::ErrorOr<StopEvent> resume(ResumeMode mode) override;
    void interrupt() override;
    void detach() override;
    void kill() override;

    // What the tests look at.
    uint64_t reg(Register reg) const;
    void set_reg(Register reg, uint64_t value);
    uint32_t data_word() const;
    size_t breakpoint_count() const { return m_breakpoints.size(); }
    bool detached() const { return m_detached; }
    bool killed() const { return m_killed; }
    std::atomic<bool> running {false}; // true while resume() runs (for interrupt tests)

private:
    struct Breakpoint {
        BreakpointKind kind;
        uint64_t address;
        uint64_t length;
        bool operator<(const Breakpoint& other) const
        {
            return std::tie(kind, address, length) < std::tie(other.kind, other.address, other.length);
        }
    };

    bool mapped(uint64_t address, size_t length) const;
    uint8_t* byte_at(uint64_t address);
    std::optional<StopEvent> breakpoint_at(uint64_t rip) const;
    // Runs the instruction at RIP; a stop it causes (watchpoint, fault, power-off) or nothing.
    std::optional<StopEvent> execute_one();
    std::optional<StopEvent> watch_hit(uint64_t address, size_t length, bool write) const;

    std::map<uint64_t, std::array<uint8_t, 0x1000>> m_pages; // page base -> contents
    std::array<std::array<uint8_t, 10>, register_count> m_registers {};
    std::map<Breakpoint, int> m_breakpoints;
    std::atomic<bool> m_interrupt_pending {false};
    bool m_detached = false;
    bool m_killed = false;
};

} // namespace lkmemu::gdb::testing
