// The devices on the I/O bus, without a CPU: what a driver writes and reads at each port.
#include "devices/debug_exit.h"
#include "devices/harness_device.h"
#include "devices/io_bus.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/uart16550.h"

#include <lkmemu/devices.h>
#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

using namespace lkmemu;

TEST_CASE("unclaimed ports read all-ones and ignore writes", "[devices]")
{
    IoBus bus;
    CHECK(bus.read(0x80, 1) == 0xff);
    CHECK(bus.read(0x80, 2) == 0xffff);
    CHECK(bus.read(0x80, 4) == 0xffffffffu);
    bus.write(0x80, 1, 0x12);
}

TEST_CASE("UART: transmitted bytes reach the console text and the listener", "[devices][uart]")
{
    IoBus bus;
    Uart16550 uart;
    bus.attach(LKMEMU_PORT_COM1, Uart16550::port_count, uart);
    std::string live;
    uart.set_listener([&](std::string_view s) { live += s; });

    CHECK((bus.read(LKMEMU_PORT_COM1 + 5, 1) & 0x60) == 0x60); // LSR: THR empty, transmitter empty
    bus.write(LKMEMU_PORT_COM1 + 3, 1, 0x80);                  // LCR: DLAB
    bus.write(LKMEMU_PORT_COM1 + 0, 1, 0x01);                  // DLL
    bus.write(LKMEMU_PORT_COM1 + 1, 1, 0x00);                  // DLM
    CHECK(bus.read(LKMEMU_PORT_COM1 + 0, 1) == 0x01);
    bus.write(LKMEMU_PORT_COM1 + 3, 1, 0x03);                  // 8N1, DLAB off
    for (char c : std::string("hi\n"))
        bus.write(LKMEMU_PORT_COM1, 1, static_cast<uint8_t>(c));
    CHECK(uart.text() == "hi\n");
    CHECK(live == "hi\n");
    CHECK(bus.read(LKMEMU_PORT_COM1 + 2, 1) == 0x01); // IIR: no interrupt pending
    bus.write(LKMEMU_PORT_COM1 + 7, 1, 0x5a);
    CHECK(bus.read(LKMEMU_PORT_COM1 + 7, 1) == 0x5a); // scratch
    bus.write(LKMEMU_PORT_COM1 + 4, 1, 0x10);         // loopback: output is not transmitted
    bus.write(LKMEMU_PORT_COM1, 1, 'x');
    CHECK(uart.text() == "hi\n");
}

TEST_CASE("debug exit powers off on a 32-bit write only", "[devices]")
{
    IoBus bus;
    std::optional<uint32_t> status;
    DebugExit exit([&](uint32_t v) { status = v; });
    bus.attach(LKMEMU_PORT_DEBUG_EXIT, DebugExit::port_count, exit);
    bus.write(LKMEMU_PORT_DEBUG_EXIT, 1, 3);
    CHECK_FALSE(status);
    bus.write(LKMEMU_PORT_DEBUG_EXIT, 4, LKMEMU_EXIT_PANIC);
    CHECK(status == LKMEMU_EXIT_PANIC);
}

namespace {
// The Linux-style 8259 init: ICW1 edge+ICW4, ICW2 vector base, ICW3 cascade, ICW4 8086 mode.
void init_pics(IoBus& bus, uint8_t master_mask, uint8_t slave_mask)
{
    bus.write(0x20, 1, 0x11);
    bus.write(0xa0, 1, 0x11);
    bus.write(0x21, 1, 0x20);
    bus.write(0xa1, 1, 0x28);
    bus.write(0x21, 1, 0x04);
    bus.write(0xa1, 1, 0x02);
    bus.write(0x21, 1, 0x01);
    bus.write(0xa1, 1, 0x01);
    bus.write(0x21, 1, master_mask);
    bus.write(0xa1, 1, slave_mask);
}
} // namespace

TEST_CASE("PIC: init sequence, mask, priority, EOI, IRR/ISR reads, cascade", "[devices][pic]")
{
    IoBus bus;
    Pic8259Pair pic;
    bus.attach(0x20, 2, pic.master());
    bus.attach(0xa0, 2, pic.slave());

    pic.raise_irq(0);
    CHECK_FALSE(pic.has_pending()); // not initialised yet
    init_pics(bus, 0xfa, 0xff);     // IRQ 0 and the cascade line unmasked
    CHECK(pic.master().vector_base() == 0x20);
    CHECK(pic.slave().vector_base() == 0x28);
    CHECK(bus.read(0x21, 1) == 0xfa); // IMR

    pic.raise_irq(1); // masked
    CHECK_FALSE(pic.has_pending());
    pic.raise_irq(0);
    bus.write(0x20, 1, 0x0a); // OCW3: read IRR
    CHECK(bus.read(0x20, 1) == 0x03);
    REQUIRE(pic.has_pending());
    CHECK(pic.acknowledge() == 0x20);
    bus.write(0x20, 1, 0x0b); // OCW3: read ISR
    CHECK(bus.read(0x20, 1) == 0x01);

    pic.raise_irq(0);
    CHECK_FALSE(pic.has_pending()); // IRQ 0 in service blocks itself
    bus.write(0x20, 1, 0x20);       // non-specific EOI
    CHECK(bus.read(0x20, 1) == 0x00);
    CHECK(pic.acknowledge() == 0x20);
    bus.write(0x20, 1, 0x60); // specific EOI, line 0
    CHECK(pic.master().isr() == 0);

    bus.write(0xa1, 1, 0xfe); // unmask IRQ 8
    pic.raise_irq(8);
    REQUIRE(pic.has_pending());
    CHECK(pic.acknowledge() == 0x28);
    CHECK(pic.slave().isr() == 0x01);
    CHECK(pic.master().isr() == 0x04);
}

TEST_CASE("PIT: mode 2 and 3 divisor sets the period, ticks coalesce, the count can be latched", "[devices][pit]")
{
    using Clock = Pit8254::Clock;
    Clock::time_point now {};
    IoBus bus;
    Pit8254 pit([&] { return now; });
    bus.attach(LKMEMU_PORT_PIT_CH0, Pit8254::port_count, pit);

    CHECK_FALSE(pit.next_deadline());
    bus.write(LKMEMU_PORT_PIT_CMD, 1, 0x34); // channel 0, lo/hi, mode 2
    bus.write(LKMEMU_PORT_PIT_CH0, 1, 0xa9); // 1193 = 0x04a9: 1 kHz
    CHECK_FALSE(pit.next_deadline());        // armed only when both bytes are written
    bus.write(LKMEMU_PORT_PIT_CH0, 1, 0x04);
    REQUIRE(pit.next_deadline());
    CHECK(pit.divisor() == 1193);
    CHECK(pit.mode() == 2);
    auto const period = *pit.next_deadline() - now;
    CHECK(std::chrono::duration_cast<std::chrono::microseconds>(period).count() == 999);

    CHECK_FALSE(pit.poll(now + period / 2));
    now += period;
    CHECK(pit.poll(now));
    CHECK_FALSE(pit.poll(now));
    now += period * 10; // the host was busy: one tick, not ten
    CHECK(pit.poll(now));
    CHECK_FALSE(pit.poll(now));

    // Latch: half a period after a fresh load, the count is about half the divisor.
    bus.write(LKMEMU_PORT_PIT_CMD, 1, 0x36); // mode 3
    bus.write(LKMEMU_PORT_PIT_CH0, 1, 0x00);
    bus.write(LKMEMU_PORT_PIT_CH0, 1, 0x10); // 0x1000
    now += std::chrono::nanoseconds(int64_t(0x800) * 1'000'000'000 / LKMEMU_PIT_HZ + 1);
    bus.write(LKMEMU_PORT_PIT_CMD, 1, 0x00); // latch channel 0
    now += std::chrono::milliseconds(1);     // the latched value does not move
    uint32_t const low = bus.read(LKMEMU_PORT_PIT_CH0, 1);
    uint32_t const high = bus.read(LKMEMU_PORT_PIT_CH0, 1);
    CHECK(((high << 8) | low) == 0x800);

    bus.write(LKMEMU_PORT_PIT_CMD, 1, 0x30); // mode 0: one shot
    bus.write(LKMEMU_PORT_PIT_CH0, 1, 0x10);
    bus.write(LKMEMU_PORT_PIT_CH0, 1, 0x00);
    now += std::chrono::milliseconds(1);
    CHECK(pit.poll(now));
    CHECK_FALSE(pit.next_deadline());
}

namespace {
struct FakeHost final : HarnessEndpoint {
    std::vector<std::vector<uint8_t>> requests;
    std::vector<std::pair<int32_t, std::string>> responses;
    std::vector<std::vector<uint8_t>> data; // each request's, if given: front first
    int asked = 0;
    int not_yet = 0; // answers "no request yet" this many times first
    std::optional<std::vector<uint8_t>> next_request() override
    {
        ++asked;
        if (not_yet > 0) {
            --not_yet;
            return std::nullopt;
        }
        auto r = requests.front();
        requests.erase(requests.begin());
        return r;
    }
    std::unique_ptr<HarnessData> take_request_data() override
    {
        if (data.empty())
            return nullptr;
        auto d = std::make_unique<HarnessBytes>(std::move(data.front()));
        data.erase(data.begin());
        return d;
    }
    void on_response(int32_t status, std::string_view text) override { responses.emplace_back(status, std::string(text)); }
};

std::vector<uint8_t> request(uint32_t op, std::string_view args)
{
    lkmemu_harness_request header { op, 0, static_cast<uint32_t>(args.size()), 0 };
    std::vector<uint8_t> bytes(sizeof header + args.size());
    std::memcpy(bytes.data(), &header, sizeof header);
    std::memcpy(bytes.data() + sizeof header, args.data(), args.size());
    return bytes;
}
} // namespace

TEST_CASE("harness: GET_DATA copies pieces of the current request's data into RAM", "[devices][harness]")
{
    std::vector<uint8_t> ram(0x10000, 0);
    IoBus bus;
    HarnessDevice harness(ram);
    bus.attach(LKMEMU_PORT_HARNESS, HarnessDevice::port_count, harness);
    FakeHost host;
    host.requests.push_back(request(LKMEMU_HARNESS_OP_INSMOD, ""));
    host.data.push_back({ 'm', 'o', 'd', 'u', 'l', 'e' });
    harness.set_endpoint(&host);
    auto reg = [](unsigned r) { return static_cast<uint16_t>(LKMEMU_PORT_HARNESS + r); };
    auto get_data = [&](uint32_t address, uint32_t length, uint32_t offset) {
        bus.write(reg(LKMEMU_HARNESS_REG_ADDR_LO), 4, address);
        bus.write(reg(LKMEMU_HARNESS_REG_ADDR_HI), 4, 0);
        bus.write(reg(LKMEMU_HARNESS_REG_LENGTH), 4, length);
        bus.write(reg(LKMEMU_HARNESS_REG_DATA_OFFSET), 4, offset);
        bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_GET_DATA);
        return std::pair { static_cast<int32_t>(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4)),
                           bus.read(reg(LKMEMU_HARNESS_REG_LENGTH), 4) };
    };
    // Before any request there is no data: nothing to copy.
    CHECK(get_data(0x3000, 16, 0) == std::pair { 0, 0u });
    // The request taken, its data is current: whole, in pieces, short at the end, none past it.
    bus.write(reg(LKMEMU_HARNESS_REG_ADDR_LO), 4, 0x1000);
    bus.write(reg(LKMEMU_HARNESS_REG_LENGTH), 4, 0x100);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_GET_REQUEST);
    REQUIRE(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4) == 0);
    CHECK(get_data(0x3000, 16, 0) == std::pair { 0, 6u });
    CHECK(std::string(reinterpret_cast<char*>(ram.data()) + 0x3000, 6) == "module");
    CHECK(get_data(0x4000, 2, 2) == std::pair { 0, 2u });
    CHECK(std::string(reinterpret_cast<char*>(ram.data()) + 0x4000, 2) == "du");
    CHECK(get_data(0x4000, 16, 4) == std::pair { 0, 2u });
    CHECK(get_data(0x4000, 16, 6) == std::pair { 0, 0u });
    // A buffer outside RAM.
    CHECK(get_data(0xfffc, 16, 0).first == -LKM_EFAULT);
    // The next request has no data: the previous one's is gone.
    host.requests.push_back(request(LKMEMU_HARNESS_OP_LSMOD, ""));
    bus.write(reg(LKMEMU_HARNESS_REG_ADDR_LO), 4, 0x1000);
    bus.write(reg(LKMEMU_HARNESS_REG_LENGTH), 4, 0x100);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_GET_REQUEST);
    CHECK(get_data(0x3000, 16, 0) == std::pair { 0, 0u });
}

TEST_CASE("harness: absent without a host, ID and request/response with one", "[devices][harness]")
{
    std::vector<uint8_t> ram(0x10000, 0);
    IoBus bus;
    HarnessDevice harness(ram);
    bus.attach(LKMEMU_PORT_HARNESS, HarnessDevice::port_count, harness);
    CHECK(bus.read(LKMEMU_PORT_HARNESS + LKMEMU_HARNESS_REG_ID, 4) == 0xffffffffu);

    FakeHost host;
    host.requests.push_back(request(LKMEMU_HARNESS_OP_RMMOD, "hello"));
    harness.set_endpoint(&host);
    auto reg = [](unsigned r) { return static_cast<uint16_t>(LKMEMU_PORT_HARNESS + r); };
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_ID), 4) == LKMEMU_HARNESS_ID);

    // PEEK_REQUEST takes the host's request and says how long it is; asking again is the same
    // request, not another.
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_PEEK_REQUEST);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4) == 0);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_LENGTH), 4) == 21);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_PEEK_REQUEST);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_LENGTH), 4) == 21);
    CHECK(host.asked == 1);

    // GET_REQUEST into a buffer of that size delivers it whole, once.
    bus.write(reg(LKMEMU_HARNESS_REG_ADDR_LO), 4, 0x1000);
    bus.write(reg(LKMEMU_HARNESS_REG_ADDR_HI), 4, 0);
    bus.write(reg(LKMEMU_HARNESS_REG_LENGTH), 4, 21);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_GET_REQUEST);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4) == 0);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_LENGTH), 4) == 21);
    CHECK(host.asked == 1);
    lkmemu_harness_request header;
    std::memcpy(&header, ram.data() + 0x1000, sizeof header);
    CHECK(header.op == LKMEMU_HARNESS_OP_RMMOD);
    CHECK(std::string(reinterpret_cast<char*>(ram.data()) + 0x1010, 5) == "hello");

    // Response: header + text.
    lkmemu_harness_response response { -LKM_ENOENT, 4 };
    std::memcpy(ram.data() + 0x2000, &response, sizeof response);
    std::memcpy(ram.data() + 0x2000 + sizeof response, "gone", 4);
    bus.write(reg(LKMEMU_HARNESS_REG_ADDR_LO), 4, 0x2000);
    bus.write(reg(LKMEMU_HARNESS_REG_LENGTH), 4, sizeof response + 4);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_PUT_RESPONSE);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4) == 0);
    REQUIRE(host.responses.size() == 1);
    CHECK(host.responses[0].first == -LKM_ENOENT);
    CHECK(host.responses[0].second == "gone");

    // A text_length past the message, and a buffer outside RAM (the request stays pending).
    response.text_length = 100;
    std::memcpy(ram.data() + 0x2000, &response, sizeof response);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_PUT_RESPONSE);
    CHECK(static_cast<int32_t>(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4)) == -LKM_EINVAL);
    host.requests.push_back(request(LKMEMU_HARNESS_OP_LSMOD, "x"));
    bus.write(reg(LKMEMU_HARNESS_REG_ADDR_LO), 4, 0xfffc);
    bus.write(reg(LKMEMU_HARNESS_REG_LENGTH), 4, 0x100);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_GET_REQUEST);
    CHECK(static_cast<int32_t>(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4)) == -LKM_EFAULT);
    CHECK(host.responses.size() == 1);
    CHECK(host.asked == 2);

    // A buffer shorter than the request gets its beginning; the rest is dropped, not kept for a
    // retry: the next GET is the host's next request.
    host.requests.push_back(request(LKMEMU_HARNESS_OP_POWEROFF, ""));
    bus.write(reg(LKMEMU_HARNESS_REG_ADDR_LO), 4, 0x3000);
    bus.write(reg(LKMEMU_HARNESS_REG_LENGTH), 4, 8);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_GET_REQUEST);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4) == 0);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_LENGTH), 4) == 17); // the whole request's length
    std::memcpy(&header, ram.data() + 0x3000, 8);
    CHECK(header.op == LKMEMU_HARNESS_OP_LSMOD);
    CHECK(ram[0x3008] == 0); // nothing past the buffer: args_length (1) was not copied
    bus.write(reg(LKMEMU_HARNESS_REG_LENGTH), 4, 0x100);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_GET_REQUEST);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4) == 0);
    std::memcpy(&header, ram.data() + 0x3000, sizeof header);
    CHECK(header.op == LKMEMU_HARNESS_OP_POWEROFF);
    CHECK(host.asked == 3);

    // An unknown command.
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, 99);
    CHECK(static_cast<int32_t>(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4)) == -LKM_EINVAL);
}

TEST_CASE("harness: with no request yet, PEEK and GET say WAIT and ask the host again", "[devices][harness]")
{
    std::vector<uint8_t> ram(0x10000, 0);
    IoBus bus;
    HarnessDevice harness(ram);
    bus.attach(LKMEMU_PORT_HARNESS, HarnessDevice::port_count, harness);
    FakeHost host;
    host.requests.push_back(request(LKMEMU_HARNESS_OP_LSMOD, ""));
    host.not_yet = 2;
    harness.set_endpoint(&host);
    auto reg = [](unsigned r) { return static_cast<uint16_t>(LKMEMU_PORT_HARNESS + r); };
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_PEEK_REQUEST);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4) == LKMEMU_HARNESS_STATUS_WAIT);
    bus.write(reg(LKMEMU_HARNESS_REG_ADDR_LO), 4, 0x1000);
    bus.write(reg(LKMEMU_HARNESS_REG_ADDR_HI), 4, 0);
    bus.write(reg(LKMEMU_HARNESS_REG_LENGTH), 4, 0x100);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_GET_REQUEST);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4) == LKMEMU_HARNESS_STATUS_WAIT);
    CHECK(host.asked == 2);
    bus.write(reg(LKMEMU_HARNESS_REG_COMMAND), 4, LKMEMU_HARNESS_CMD_PEEK_REQUEST);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_STATUS), 4) == 0);
    CHECK(bus.read(reg(LKMEMU_HARNESS_REG_LENGTH), 4) == sizeof(lkmemu_harness_request));
    CHECK(host.asked == 3);
}
