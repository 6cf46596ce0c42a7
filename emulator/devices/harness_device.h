// HarnessDevice: the mailbox through which the host's commands reach the guest's init process
// (registers and message format in abi/lkmemu/harness.h). The device moves bytes between the host
// and a guest-physical buffer; it knows nothing of what a request means.
#pragma once

#include "devices/harness_data.h"
#include "devices/io_bus.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu {

// The host side, as the device sees it (the Machine adapts HarnessHost to this).
class HarnessEndpoint {
public:
    virtual ~HarnessEndpoint() = default;
    // nullopt: no request yet, ask again later (the guest sees LKMEMU_HARNESS_STATUS_WAIT).
    virtual std::optional<std::vector<uint8_t>> next_request() = 0;
    // The data of the request next_request just gave (nullptr: none).
    virtual std::unique_ptr<HarnessData> take_request_data() { return nullptr; }
    virtual void on_response(int32_t status, std::string_view text) = 0;
    // The same with the answer's flags (LKMEMU_HARNESS_RESPONSE_NOT_OPENED); by default they are
    // dropped. `text` joins the texts of all the answer's parts.
    virtual void on_answer(int32_t status, uint32_t flags, std::string_view text)
    {
        (void)flags;
        on_response(status, text);
    }
};

class HarnessDevice final : public IoDevice {
public:
    static constexpr uint16_t port_count = 0x1c;

    explicit HarnessDevice(std::span<uint8_t> ram) : m_ram(ram) {}

    // Without an endpoint every register reads all-ones, as under QEMU, so the kernel sees no
    // harness.
    void set_endpoint(HarnessEndpoint* endpoint) { m_endpoint = endpoint; }

    uint32_t io_read(uint16_t offset, unsigned size) override;
    void io_write(uint16_t offset, unsigned size, uint32_t value) override;

    // The protocol state, for a machine snapshot (emulator/machine/snapshot.h): the registers
    // and a request taken by PEEK and not yet delivered. The endpoint is the host's, and so is a
    // request's HarnessData: a snapshot is taken at a request point, where the last request is
    // answered and the next not yet taken, so no data is in use and none is kept.
    struct State {
        uint64_t address;
        uint32_t length;
        int32_t status;
        uint32_t data_offset;
        std::optional<std::vector<uint8_t>> pending;
    };
    State save_state() const { return { m_address, m_length, m_status, m_data_offset, m_pending }; }
    void restore_state(const State& s)
    {
        m_address = s.address, m_length = s.length, m_status = s.status, m_data_offset = s.data_offset;
        m_pending = s.pending;
        m_pending_data.reset();
        m_data.reset();
    }

private:
    const std::vector<uint8_t>* pending_request(); // nullptr: not yet
    void peek_request();
    void get_request();
    void put_response();
    void get_data();
    bool buffer_in_ram(uint64_t length) const;

    std::span<uint8_t> m_ram;
    HarnessEndpoint* m_endpoint = nullptr;
    uint64_t m_address = 0;
    uint32_t m_length = 0;
    int32_t m_status = 0;
    uint32_t m_data_offset = 0;
    // Taken from the host by PEEK_REQUEST, delivered by the next GET_REQUEST.
    std::optional<std::vector<uint8_t>> m_pending;
    std::unique_ptr<HarnessData> m_pending_data;
    // The data of the request GET_REQUEST delivered last, read by GET_DATA until the next one.
    std::unique_ptr<HarnessData> m_data;
    // The texts of an answer's parts so far (LKMEMU_HARNESS_RESPONSE_MORE), until its last part.
    std::string m_answer_text;
};

} // namespace lkmemu
