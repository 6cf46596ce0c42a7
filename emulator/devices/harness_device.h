// HarnessDevice: the mailbox through which the host's commands reach the guest's init process
// (registers and message format in abi/lkmemu/harness.h). The device moves bytes between the host
// and a guest-physical buffer; it knows nothing of what a request means.
#pragma once

#include "devices/io_bus.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace lkmemu {

// The host side, as the device sees it (the Machine adapts HarnessHost to this).
class HarnessEndpoint {
public:
    virtual ~HarnessEndpoint() = default;
    // nullopt: no request yet, ask again later (the guest sees LKMEMU_HARNESS_STATUS_WAIT).
    virtual std::optional<std::vector<uint8_t>> next_request() = 0;
    virtual void on_response(int32_t status, std::string_view text) = 0;
};

class HarnessDevice final : public IoDevice {
public:
    static constexpr uint16_t port_count = 0x18;

    explicit HarnessDevice(std::span<uint8_t> ram) : m_ram(ram) {}

    // Without an endpoint every register reads all-ones, as under QEMU, so the kernel sees no
    // harness.
    void set_endpoint(HarnessEndpoint* endpoint) { m_endpoint = endpoint; }

    uint32_t io_read(uint16_t offset, unsigned size) override;
    void io_write(uint16_t offset, unsigned size, uint32_t value) override;

private:
    const std::vector<uint8_t>* pending_request(); // nullptr: not yet
    void peek_request();
    void get_request();
    void put_response();
    bool buffer_in_ram(uint64_t length) const;

    std::span<uint8_t> m_ram;
    HarnessEndpoint* m_endpoint = nullptr;
    uint64_t m_address = 0;
    uint32_t m_length = 0;
    int32_t m_status = 0;
    // Taken from the host by PEEK_REQUEST, delivered by the next GET_REQUEST.
    std::optional<std::vector<uint8_t>> m_pending;
};

} // namespace lkmemu
