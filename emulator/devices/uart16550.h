// Uart16550: COM1, the console. Enough of a 16550A for Linux's 8250 driver: the divisor latch
// (DLAB), IER, FCR/IIR, LCR, MCR, LSR, MSR and the scratch register. Transmission is instant (LSR
// always says THR empty). The receiver has a FIFO the host fills (receive()): LSR.DR says it
// holds data, RBR takes a byte, and with IER's "received data available" bit and MCR.OUT2 (which
// gates the interrupt onto the ISA line on a PC) the UART raises its IRQ line, as long as data
// is waiting. The FIFO grows as needed: the host's input is never dropped.
#pragma once

#include "devices/io_bus.h"

#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace lkmemu {

class Uart16550 final : public IoDevice {
public:
    static constexpr uint16_t port_count = 8;

    uint32_t io_read(uint16_t offset, unsigned size) override;
    void io_write(uint16_t offset, unsigned size, uint32_t value) override;

    const std::string& text() const { return m_text; }
    void set_listener(std::function<void(std::string_view)> listener) { m_listener = std::move(listener); }
    // The interrupt line (IRQ 4 on the PIC): called whenever the UART asserts it.
    void set_irq(std::function<void()> raise) { m_raise_irq = std::move(raise); }
    // Bytes arriving on the line, for the guest to read from RBR.
    void receive(std::string_view bytes);
    bool receiver_interrupt_enabled() const { return (m_ier & ier_receive) && (m_mcr & mcr_out2); }
    size_t receive_pending() const { return m_rx.size(); }

    // The registers and everything printed so far, for a machine snapshot
    // (emulator/machine/snapshot.h); the listener is the host's, not the device's. The receive
    // FIFO is not in it: snapshots are taken at harness request points, with no console input.
    struct State {
        std::string text;
        uint8_t ier, lcr, mcr, scratch, fcr;
        uint16_t divisor;
    };
    State save_state() const { return { m_text, m_ier, m_lcr, m_mcr, m_scratch, m_fcr, m_divisor }; }
    void restore_state(const State& s)
    {
        m_text = s.text, m_ier = s.ier, m_lcr = s.lcr, m_mcr = s.mcr, m_scratch = s.scratch, m_fcr = s.fcr;
        m_divisor = s.divisor;
    }

private:
    static constexpr uint8_t ier_receive = 0x01, mcr_out2 = 0x08;
    bool dlab() const { return m_lcr & 0x80; }
    void update_irq(); // assert the line if the receiver interrupt is due

    std::string m_text;
    std::function<void(std::string_view)> m_listener;
    std::function<void()> m_raise_irq;
    std::deque<uint8_t> m_rx;
    uint8_t m_ier = 0, m_lcr = 0x03, m_mcr = 0, m_scratch = 0, m_fcr = 0;
    uint16_t m_divisor = 1;
};

} // namespace lkmemu
