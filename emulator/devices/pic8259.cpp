#include "devices/pic8259.h"

namespace lkmemu {

uint32_t Pic8259::io_read(uint16_t offset, unsigned)
{
    if (offset == 0)
        return m_read_isr ? m_isr : m_irr;
    return m_imr;
}

void Pic8259::io_write(uint16_t offset, unsigned, uint32_t value)
{
    auto const byte = static_cast<uint8_t>(value);
    if (offset == 0) {
        if (byte & 0x10) { // ICW1: start of initialization
            m_needs_icw4 = byte & 0x01;
            m_single = byte & 0x02;
            m_init_step = 2;
            m_imr = 0;
            m_isr = 0;
            m_irr = 0;
            m_auto_eoi = false;
            m_read_isr = false;
            return;
        }
        if ((byte & 0x18) == 0x08) { // OCW3
            if (byte & 0x02)
                m_read_isr = byte & 0x01;
            return;
        }
        // OCW2: EOI commands (rotation is not modelled; rotate+EOI acts as EOI).
        unsigned const command = byte >> 5;
        if (command == 1 || command == 5) { // non-specific EOI: clear the highest-priority ISR bit
            for (unsigned line = 0; line < 8; ++line) {
                if (m_isr & (1u << line)) {
                    m_isr &= static_cast<uint8_t>(~(1u << line));
                    break;
                }
            }
        } else if (command == 3 || command == 7) { // specific EOI
            m_isr &= static_cast<uint8_t>(~(1u << (byte & 7)));
        }
        return;
    }
    switch (m_init_step) {
    case 2: // ICW2: vector offset (low 3 bits are the line)
        m_vector_base = byte & 0xf8;
        m_vector_base_set = true;
        m_init_step = m_single ? (m_needs_icw4 ? 4 : 0) : 3;
        return;
    case 3: // ICW3: cascade wiring; the pair's wiring is fixed
        m_init_step = m_needs_icw4 ? 4 : 0;
        return;
    case 4: // ICW4
        m_auto_eoi = byte & 0x02;
        m_init_step = 0;
        return;
    default: // OCW1
        m_imr = byte;
        return;
    }
}

std::optional<unsigned> Pic8259::pending_line() const
{
    if (m_init_step != 0)
        return std::nullopt;
    for (unsigned line = 0; line < 8; ++line) {
        uint8_t const bit = static_cast<uint8_t>(1u << line);
        if (m_isr & bit)
            return std::nullopt; // this or a higher priority is in service
        if ((m_irr & bit) && !(m_imr & bit))
            return line;
    }
    return std::nullopt;
}

uint8_t Pic8259::acknowledge(unsigned line)
{
    uint8_t const bit = static_cast<uint8_t>(1u << line);
    m_irr &= static_cast<uint8_t>(~bit);
    if (!m_auto_eoi)
        m_isr |= bit;
    return static_cast<uint8_t>(m_vector_base + line);
}

void Pic8259Pair::raise_irq(unsigned irq)
{
    if (irq < 8) {
        m_master.raise_irq(irq);
    } else {
        m_slave.raise_irq(irq - 8);
    }
}

bool Pic8259Pair::has_pending() const
{
    // Asked at every translated block while the machine runs: the common case, nothing
    // requested, must cost one load.
    if ((m_master.irr() | m_slave.irr()) == 0)
        return false;
    // The slave's output is the master's cascade line: level while the slave has something.
    Pic8259 master = m_master;
    if (m_slave.pending_line())
        master.raise_irq(cascade_line);
    return master.pending_line().has_value();
}

std::optional<uint8_t> Pic8259Pair::acknowledge()
{
    if (m_slave.pending_line())
        m_master.raise_irq(cascade_line);
    auto const line = m_master.pending_line();
    if (!line)
        return std::nullopt;
    if (*line == cascade_line) {
        auto const slave_line = m_slave.pending_line();
        m_master.acknowledge(cascade_line);
        if (!slave_line)
            return std::nullopt;
        return m_slave.acknowledge(*slave_line);
    }
    return m_master.acknowledge(*line);
}

} // namespace lkmemu
