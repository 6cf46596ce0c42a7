#include "devices/pit8254.h"

#include <lkmemu/devices.h>

namespace lkmemu {

Pit8254::Clock::duration Pit8254::period() const
{
    auto const ns = static_cast<int64_t>(m_divisor) * 1'000'000'000ll / LKMEMU_PIT_HZ;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns));
}

uint16_t Pit8254::current_count(Clock::time_point now) const
{
    if (!m_deadline && m_mode != 0)
        return static_cast<uint16_t>(m_divisor);
    auto const elapsed_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - m_start).count();
    auto const ticks = static_cast<uint64_t>(elapsed_ns) * LKMEMU_PIT_HZ / 1'000'000'000ull;
    if (m_mode == 0)
        return ticks >= m_divisor ? 0 : static_cast<uint16_t>(m_divisor - ticks);
    return static_cast<uint16_t>(m_divisor - ticks % m_divisor);
}

uint32_t Pit8254::io_read(uint16_t offset, unsigned)
{
    if (offset != 0)
        return 0xff; // channels 1, 2 and the write-only command port
    uint16_t const count = m_latch ? *m_latch : current_count(m_now());
    bool high = false;
    if (m_access == 2) {
        high = true;
    } else if (m_access == 3) {
        high = m_latch_high_next;
        m_latch_high_next = !m_latch_high_next;
    }
    if (m_latch && (m_access != 3 || !m_latch_high_next))
        m_latch.reset(); // fully read
    return high ? (count >> 8) : (count & 0xff);
}

void Pit8254::io_write(uint16_t offset, unsigned, uint32_t value)
{
    auto const byte = static_cast<uint8_t>(value);
    if (offset == 3) {
        if ((byte >> 6) != 0)
            return; // channels 1, 2 and read-back are not modelled
        unsigned const access = (byte >> 4) & 3;
        if (access == 0) { // counter latch
            m_latch = current_count(m_now());
            m_latch_high_next = false;
            return;
        }
        m_access = access;
        m_mode = (byte >> 1) & 7;
        if (m_mode >= 6)
            m_mode -= 4; // 6 and 7 are aliases of 2 and 3
        m_expect_high = false;
        m_latch_high_next = false;
        m_deadline.reset(); // writing the mode stops the counter until a count is loaded
        return;
    }
    if (offset != 0)
        return;
    if (m_access == 3 && !m_expect_high) {
        m_reload_low = byte;
        m_expect_high = true;
        return;
    }
    uint32_t reload = 0;
    if (m_access == 1)
        reload = byte;
    else if (m_access == 2)
        reload = static_cast<uint32_t>(byte) << 8;
    else
        reload = m_reload_low | (static_cast<uint32_t>(byte) << 8);
    m_expect_high = false;
    m_divisor = reload == 0 ? 65536 : reload;
    m_start = m_now();
    if (m_mode == 0 || m_mode == 2 || m_mode == 3)
        m_deadline = m_start + period();
    else
        m_deadline.reset();
}

bool Pit8254::poll(Clock::time_point now)
{
    if (!m_deadline || now < *m_deadline)
        return false;
    if (m_mode == 0) {
        m_deadline.reset();
        return true;
    }
    auto const p = period();
    auto next = *m_deadline + p;
    if (next <= now) // fell behind: skip the missed ticks
        next = now + p;
    m_deadline = next;
    return true;
}

} // namespace lkmemu
