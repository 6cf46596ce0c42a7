#include "devices/harness_device.h"

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

#include <cstring>

namespace lkmemu {

uint32_t HarnessDevice::io_read(uint16_t offset, unsigned size)
{
    if (!m_endpoint || size != 4)
        return 0xffffffffu;
    switch (offset) {
    case LKMEMU_HARNESS_REG_ID:
        return LKMEMU_HARNESS_ID;
    case LKMEMU_HARNESS_REG_LENGTH:
        return m_length;
    case LKMEMU_HARNESS_REG_STATUS:
        return static_cast<uint32_t>(m_status);
    case LKMEMU_HARNESS_REG_ADDR_LO:
        return static_cast<uint32_t>(m_address);
    case LKMEMU_HARNESS_REG_ADDR_HI:
        return static_cast<uint32_t>(m_address >> 32);
    default:
        return 0xffffffffu;
    }
}

void HarnessDevice::io_write(uint16_t offset, unsigned size, uint32_t value)
{
    if (!m_endpoint || size != 4)
        return;
    switch (offset) {
    case LKMEMU_HARNESS_REG_ADDR_LO:
        m_address = (m_address & ~0xffffffffull) | value;
        return;
    case LKMEMU_HARNESS_REG_ADDR_HI:
        m_address = (m_address & 0xffffffffull) | (static_cast<uint64_t>(value) << 32);
        return;
    case LKMEMU_HARNESS_REG_LENGTH:
        m_length = value;
        return;
    case LKMEMU_HARNESS_REG_COMMAND:
        if (value == LKMEMU_HARNESS_CMD_GET_REQUEST)
            get_request();
        else if (value == LKMEMU_HARNESS_CMD_PUT_RESPONSE)
            put_response();
        else
            m_status = -LKM_EINVAL;
        return;
    default:
        return;
    }
}

bool HarnessDevice::buffer_in_ram(uint64_t length) const
{
    return m_address <= m_ram.size() && length <= m_ram.size() - m_address;
}

void HarnessDevice::get_request()
{
    if (!m_has_undelivered) {
        m_undelivered = m_endpoint->next_request();
        m_has_undelivered = true;
    }
    auto const needed = m_undelivered.size();
    if (needed > m_length) {
        m_status = -LKM_E2BIG;
        m_length = static_cast<uint32_t>(needed); // tells the driver how much it needs
        return;
    }
    if (!buffer_in_ram(needed)) {
        m_status = -LKM_EFAULT;
        return;
    }
    std::memcpy(m_ram.data() + m_address, m_undelivered.data(), needed);
    m_length = static_cast<uint32_t>(needed);
    m_status = 0;
    m_undelivered.clear();
    m_has_undelivered = false;
}

void HarnessDevice::put_response()
{
    lkmemu_harness_response header {};
    if (m_length < sizeof header) {
        m_status = -LKM_EINVAL;
        return;
    }
    if (!buffer_in_ram(m_length)) {
        m_status = -LKM_EFAULT;
        return;
    }
    std::memcpy(&header, m_ram.data() + m_address, sizeof header);
    if (header.text_length > m_length - sizeof header) {
        m_status = -LKM_EINVAL;
        return;
    }
    auto const* text = reinterpret_cast<const char*>(m_ram.data() + m_address + sizeof header);
    m_status = 0;
    m_endpoint->on_response(header.status, std::string_view(text, header.text_length));
}

} // namespace lkmemu
