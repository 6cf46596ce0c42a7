// Pic8259: the 8259A programmable interrupt controller, and the PC's master/slave pair (slave on
// the master's IRQ 2). Edge-triggered, fully nested mode: the ICW1-ICW4 init sequence, the
// interrupt mask (OCW1), non-specific and specific EOI (OCW2), reading IRR or ISR (OCW3), the
// vector offset and auto-EOI. Not implemented: level-triggered mode, rotating priorities,
// special mask mode, poll mode, and the spurious IRQ 7/15 (the host only acknowledges when an
// interrupt is really pending).
#pragma once

#include "devices/io_bus.h"

#include <optional>

namespace lkmemu {

class Pic8259 final : public IoDevice {
public:
    static constexpr uint16_t port_count = 2;

    uint32_t io_read(uint16_t offset, unsigned size) override;
    void io_write(uint16_t offset, unsigned size, uint32_t value) override;

    void raise_irq(unsigned line) { m_irr |= static_cast<uint8_t>(1u << line); }
    // The line the chip would interrupt with now (unmasked, requested, not blocked by an equal or
    // higher priority in service), or nothing.
    std::optional<unsigned> pending_line() const;
    // INTA: moves the line from IRR to ISR (unless auto-EOI) and returns its vector.
    uint8_t acknowledge(unsigned line);

    uint8_t irr() const { return m_irr; }
    uint8_t isr() const { return m_isr; }
    uint8_t imr() const { return m_imr; }
    uint8_t vector_base() const { return m_vector_base; }
    bool initialized() const { return m_init_step == 0 && m_vector_base_set; }

    // Everything the chip holds, for a machine snapshot (emulator/machine/snapshot.h).
    struct State {
        uint8_t irr, isr, imr, vector_base;
        bool vector_base_set, auto_eoi, read_isr, single, needs_icw4;
        int init_step;
    };
    State save_state() const
    {
        return { m_irr, m_isr, m_imr, m_vector_base, m_vector_base_set, m_auto_eoi, m_read_isr, m_single, m_needs_icw4, m_init_step };
    }
    void restore_state(const State& s)
    {
        m_irr = s.irr, m_isr = s.isr, m_imr = s.imr, m_vector_base = s.vector_base;
        m_vector_base_set = s.vector_base_set, m_auto_eoi = s.auto_eoi, m_read_isr = s.read_isr;
        m_single = s.single, m_needs_icw4 = s.needs_icw4, m_init_step = s.init_step;
    }

private:
    uint8_t m_irr = 0, m_isr = 0, m_imr = 0xff;
    uint8_t m_vector_base = 0;
    bool m_vector_base_set = false;
    bool m_auto_eoi = false;
    bool m_read_isr = false;
    bool m_single = false;
    bool m_needs_icw4 = false;
    int m_init_step = 0; // 0: operational; 2, 3, 4: expecting that ICW on the data port
};

// The master/slave pair at 0x20/0xa0.
class Pic8259Pair {
public:
    static constexpr unsigned cascade_line = 2;

    Pic8259& master() { return m_master; }
    Pic8259& slave() { return m_slave; }

    void raise_irq(unsigned irq);
    bool has_pending() const;
    // Acknowledges the highest-priority pending interrupt and returns its vector.
    std::optional<uint8_t> acknowledge();

private:
    Pic8259 m_master, m_slave;
};

} // namespace lkmemu
