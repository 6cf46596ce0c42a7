#include "devices/harness_device.h"

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

#include <algorithm>
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
    case LKMEMU_HARNESS_REG_DATA_OFFSET:
        m_data_offset = value;
        return;
    case LKMEMU_HARNESS_REG_COMMAND:
        switch (value) {
        case LKMEMU_HARNESS_CMD_PEEK_REQUEST:
            peek_request();
            return;
        case LKMEMU_HARNESS_CMD_GET_REQUEST:
            get_request();
            return;
        case LKMEMU_HARNESS_CMD_PUT_RESPONSE:
            put_response();
            return;
        case LKMEMU_HARNESS_CMD_GET_DATA:
            get_data();
            return;
        default:
            m_status = -LKM_EINVAL;
            return;
        }
    default:
        return;
    }
}

bool HarnessDevice::buffer_in_ram(uint64_t length) const
{
    return m_address <= m_ram.size() && length <= m_ram.size() - m_address;
}

// The host is asked once per request, whichever of PEEK and GET comes first; until it has one,
// both answer LKMEMU_HARNESS_STATUS_WAIT and the driver asks again later.
const std::vector<uint8_t>* HarnessDevice::pending_request()
{
    if (!m_pending) {
        m_pending = m_endpoint->next_request();
        if (m_pending)
            m_pending_data = m_endpoint->take_request_data();
    }
    return m_pending ? &*m_pending : nullptr;
}

void HarnessDevice::peek_request()
{
    const std::vector<uint8_t>* request = pending_request();
    if (!request) {
        m_status = LKMEMU_HARNESS_STATUS_WAIT;
        return;
    }
    m_length = static_cast<uint32_t>(request->size());
    m_status = 0;
}

void HarnessDevice::get_request()
{
    const std::vector<uint8_t>* request = pending_request();
    if (!request) {
        m_status = LKMEMU_HARNESS_STATUS_WAIT;
        return;
    }
    size_t const copied = std::min<size_t>(request->size(), m_length);
    if (!buffer_in_ram(copied)) {
        m_status = -LKM_EFAULT; // the request stays pending: a driver bug must not lose it
        return;
    }
    if (copied)
        std::memcpy(m_ram.data() + m_address, request->data(), copied);
    m_length = static_cast<uint32_t>(request->size());
    m_status = 0;
    m_pending.reset();
    m_data = std::move(m_pending_data); // the previous request's data is done with
    m_answer_text.clear();                // and so is any unfinished answer to it
}

// Straight from the host's file (or memory) into guest RAM: the one copy of a module image.
void HarnessDevice::get_data()
{
    if (!buffer_in_ram(m_length)) {
        m_status = -LKM_EFAULT;
        return;
    }
    int64_t const copied = m_data ? m_data->read_at(m_data_offset, m_ram.subspan(m_address, m_length)) : 0;
    if (copied < 0) {
        m_status = -LKM_EIO;
        return;
    }
    m_length = static_cast<uint32_t>(copied);
    m_status = 0;
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
    if (header.flags & LKMEMU_HARNESS_RESPONSE_MORE) {
        m_answer_text.append(text, header.text_length);
        return;
    }
    if (m_answer_text.empty()) {
        m_endpoint->on_answer(header.status, header.flags, std::string_view(text, header.text_length));
        return;
    }
    m_answer_text.append(text, header.text_length);
    std::string answer = std::move(m_answer_text);
    m_answer_text.clear();
    m_endpoint->on_answer(header.status, header.flags, answer);
}

} // namespace lkmemu
