// Uart16550: COM1, the console. Enough of a 16550A for a polling driver such as Linux's early
// 8250 console: the divisor latch (DLAB), IER, FCR/IIR, LCR, MCR, LSR, MSR and the scratch
// register. Transmission is instant (LSR always says THR empty); the receiver never has data, and
// the UART raises no interrupt.
#pragma once

#include "devices/io_bus.h"

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

    // The registers and everything printed so far, for a machine snapshot
    // (emulator/machine/snapshot.h); the listener is the host's, not the device's.
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
    bool dlab() const { return m_lcr & 0x80; }

    std::string m_text;
    std::function<void(std::string_view)> m_listener;
    uint8_t m_ier = 0, m_lcr = 0x03, m_mcr = 0, m_scratch = 0, m_fcr = 0;
    uint16_t m_divisor = 1;
};

} // namespace lkmemu
