#include "devices/uart16550.h"

namespace lkmemu {

namespace {
enum Register : uint16_t { THR_RBR_DLL = 0, IER_DLM = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
constexpr uint8_t lsr_data_ready = 0x01, lsr_thr_empty = 0x20, lsr_transmitter_empty = 0x40;
constexpr uint8_t iir_no_interrupt = 0x01, iir_receive_data = 0x04, iir_fifos_enabled = 0xc0;
constexpr uint8_t mcr_loopback = 0x10;
} // namespace

void Uart16550::receive(std::string_view bytes)
{
    m_rx.insert(m_rx.end(), bytes.begin(), bytes.end());
    update_irq();
}

// The line is level-triggered on real hardware: while data waits and the interrupt is enabled
// it stays asserted. The PIC model latches edges, so it is raised again after each change that
// leaves it due (a byte taken with more behind it, IER or MCR enabling it).
void Uart16550::update_irq()
{
    if (m_raise_irq && !m_rx.empty() && receiver_interrupt_enabled())
        m_raise_irq();
}

uint32_t Uart16550::io_read(uint16_t offset, unsigned)
{
    switch (offset) {
    case THR_RBR_DLL: {
        if (dlab())
            return m_divisor & 0xff;
        if (m_rx.empty())
            return 0;
        uint8_t const byte = m_rx.front();
        m_rx.pop_front();
        update_irq();
        return byte;
    }
    case IER_DLM:
        return dlab() ? (m_divisor >> 8) : m_ier;
    case IIR_FCR: {
        uint8_t const fifos = (m_fcr & 1) ? iir_fifos_enabled : 0;
        if (!m_rx.empty() && (m_ier & ier_receive))
            return iir_receive_data | fifos;
        return iir_no_interrupt | fifos;
    }
    case LCR:
        return m_lcr;
    case MCR:
        return m_mcr;
    case LSR:
        return lsr_thr_empty | lsr_transmitter_empty | (m_rx.empty() ? 0 : lsr_data_ready);
    case MSR:
        // In loopback, MCR's outputs appear on the modem-status inputs (drivers probe this).
        if (m_mcr & mcr_loopback)
            return ((m_mcr & 0x0c) << 4) | ((m_mcr & 0x01) << 5) | ((m_mcr & 0x02) << 3);
        return 0xb0; // DCD, DSR, CTS: a terminal is attached
    case SCR:
        return m_scratch;
    }
    return 0xff;
}

void Uart16550::io_write(uint16_t offset, unsigned, uint32_t value)
{
    auto const byte = static_cast<uint8_t>(value);
    switch (offset) {
    case THR_RBR_DLL:
        if (dlab()) {
            m_divisor = (m_divisor & 0xff00) | byte;
        } else if (!(m_mcr & mcr_loopback)) {
            char const c = static_cast<char>(byte);
            m_text.push_back(c);
            if (m_listener)
                m_listener(std::string_view(&c, 1));
        }
        return;
    case IER_DLM:
        if (dlab())
            m_divisor = static_cast<uint16_t>((m_divisor & 0x00ff) | (byte << 8));
        else
            m_ier = byte & 0x0f;
        update_irq();
        return;
    case IIR_FCR:
        m_fcr = byte;
        if (byte & 0x02)
            m_rx.clear(); // "clear receive FIFO"
        return;
    case LCR:
        m_lcr = byte;
        return;
    case MCR:
        m_mcr = byte & 0x1f;
        update_irq();
        return;
    case SCR:
        m_scratch = byte;
        return;
    default:
        return; // LSR and MSR are read-only
    }
}

} // namespace lkmemu
