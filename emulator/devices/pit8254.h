// Pit8254: channel 0 of the 8254 programmable interval timer, the PC's periodic IRQ 0. The time
// base is a clock passed in by the caller (so tests can feed their own). Modes 2 (rate
// generator) and 3 (square wave) fire every divisor / 1.193182 MHz; mode 0 fires once. Reading the
// count (after a latch command or directly) gives the value the counter would hold now.
// The machine sets the clock to guest time (Machine::guest_time_ns, on the epoch time_point{}),
// so the timer follows the instructions the guest executes rather than the host's clock.
// Not implemented: channels 1 and 2 (port 0x61's speaker gate), modes 1, 4 and 5 (they never
// fire), BCD counting, the read-back command.
#pragma once

#include "devices/io_bus.h"

#include <chrono>
#include <functional>
#include <optional>

namespace lkmemu {

class Pit8254 final : public IoDevice {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr uint16_t port_count = 4; // 0x40-0x43

    explicit Pit8254(std::function<Clock::time_point()> now = Clock::now) : m_now(std::move(now)) {}
    // Before the guest programs the timer: a new time base.
    void set_clock(std::function<Clock::time_point()> now) { m_now = std::move(now); }

    uint32_t io_read(uint16_t offset, unsigned size) override;
    void io_write(uint16_t offset, unsigned size, uint32_t value) override;

    // When channel 0 next fires, if it is armed.
    std::optional<Clock::time_point> next_deadline() const { return m_deadline; }
    // Whether channel 0 fired by `now`; if so the next deadline moves on. Ticks missed while the
    // host was busy coalesce into one, as the PIC's edge-triggered IRR holds one request.
    bool poll(Clock::time_point now);

    uint32_t divisor() const { return m_divisor; }
    unsigned mode() const { return m_mode; }

    // Everything the channel holds, for a machine snapshot (emulator/machine/snapshot.h). Times
    // are on the clock's own epoch, which for the machine is guest time 0.
    struct State {
        unsigned mode, access;
        uint32_t divisor;
        uint16_t reload_low;
        bool expect_high;
        std::optional<uint16_t> latch;
        bool latch_high_next;
        Clock::time_point start;
        std::optional<Clock::time_point> deadline;
    };
    State save_state() const
    {
        return { m_mode, m_access, m_divisor, m_reload_low, m_expect_high, m_latch, m_latch_high_next, m_start, m_deadline };
    }
    void restore_state(const State& s)
    {
        m_mode = s.mode, m_access = s.access, m_divisor = s.divisor, m_reload_low = s.reload_low;
        m_expect_high = s.expect_high, m_latch = s.latch, m_latch_high_next = s.latch_high_next;
        m_start = s.start, m_deadline = s.deadline;
    }

private:
    Clock::duration period() const;
    uint16_t current_count(Clock::time_point now) const;

    std::function<Clock::time_point()> m_now;
    unsigned m_mode = 0;
    unsigned m_access = 3; // 1: lobyte, 2: hibyte, 3: lobyte then hibyte
    uint32_t m_divisor = 65536;
    uint16_t m_reload_low = 0;
    bool m_expect_high = false;      // the next data write is the high byte of a lo/hi pair
    std::optional<uint16_t> m_latch; // latched count, read low byte then high byte
    bool m_latch_high_next = false;
    Clock::time_point m_start {};
    std::optional<Clock::time_point> m_deadline;
};

} // namespace lkmemu
