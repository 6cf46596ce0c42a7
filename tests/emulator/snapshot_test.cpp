// Snapshot pieces without a CPU: each device's save_state/restore_state carries it on mid-way
// through a protocol exactly as the original would go on, and the file format gives back every
// field it was given, with RAM's zero pages left as holes. (Whole machines: the integration
// tests' snapshot_test.cpp.)
#include "devices/harness_device.h"
#include "devices/io_bus.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/uart16550.h"
#include "machine/snapshot.h"

#include <lkmemu/devices.h>
#include <lkmemu/harness.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace lkmemu;

TEST_CASE("PIC: a restored chip goes on with its init sequence and its requests", "[snapshot][pic]")
{
    Pic8259 original;
    original.io_write(0, 1, 0x11); // ICW1: edge, cascade, ICW4 needed
    original.io_write(1, 1, 0x20); // ICW2: vector base
    Pic8259 copy;
    copy.restore_state(original.save_state()); // between ICW2 and ICW3
    for (Pic8259* pic : { &original, &copy }) {
        pic->io_write(1, 1, 0x04); // ICW3
        pic->io_write(1, 1, 0x01); // ICW4: 8086 mode
        pic->io_write(1, 1, 0xfe); // OCW1: only IRQ 0
        pic->raise_irq(0);
    }
    CHECK(copy.initialized());
    CHECK(copy.vector_base() == 0x20);
    CHECK(copy.imr() == 0xfe);
    CHECK(copy.pending_line() == original.pending_line());
    CHECK(copy.acknowledge(0) == original.acknowledge(0));
    CHECK(copy.isr() == original.isr());
}

TEST_CASE("PIT: a restored channel keeps its deadline and a half-written divisor", "[snapshot][pit]")
{
    using Clock = Pit8254::Clock;
    Clock::time_point now {};
    Pit8254 original([&] { return now; });
    original.io_write(3, 1, 0x34); // channel 0, lo/hi, mode 2
    original.io_write(0, 1, 0xa9);
    original.io_write(0, 1, 0x04); // 1193: 1 kHz
    now += std::chrono::microseconds(300);
    original.io_write(3, 1, 0x34);
    original.io_write(0, 1, 0x52); // the low byte of the next divisor only
    Pit8254 copy([&] { return now; });
    copy.restore_state(original.save_state());
    CHECK(copy.next_deadline() == original.next_deadline());
    CHECK(copy.divisor() == 1193);
    for (Pit8254* pit : { &original, &copy })
        pit->io_write(0, 1, 0x02); // high byte: 0x0252
    CHECK(copy.divisor() == 0x0252);
    CHECK(copy.next_deadline() == original.next_deadline());
    now += std::chrono::milliseconds(5);
    CHECK(copy.poll(now) == original.poll(now));
}

TEST_CASE("UART: a restored port keeps its text, divisor latch and scratch register", "[snapshot][uart]")
{
    Uart16550 original;
    for (char c : std::string("boot\n"))
        original.io_write(0, 1, static_cast<uint8_t>(c));
    original.io_write(3, 1, 0x83); // DLAB on
    original.io_write(0, 1, 0x0c); // divisor low
    original.io_write(7, 1, 0x5a); // scratch
    Uart16550 copy;
    copy.restore_state(original.save_state());
    CHECK(copy.text() == "boot\n");
    CHECK(copy.io_read(0, 1) == 0x0c); // still DLAB: the divisor, not RBR
    CHECK(copy.io_read(7, 1) == 0x5a);
    copy.io_write(3, 1, 0x03);
    copy.io_write(0, 1, 'x');
    CHECK(copy.text() == "boot\nx");
}

TEST_CASE("harness device: a restored device delivers the request it had pending", "[snapshot][harness]")
{
    struct OneRequest final : HarnessEndpoint {
        int asked = 0;
        std::optional<std::vector<uint8_t>> next_request() override
        {
            ++asked;
            return std::vector<uint8_t> { 1, 2, 3, 4 };
        }
        void on_response(int32_t, std::string_view) override {}
    } endpoint;
    std::vector<uint8_t> ram(8192);
    HarnessDevice original(ram);
    original.set_endpoint(&endpoint);
    original.io_write(LKMEMU_HARNESS_REG_COMMAND, 4, LKMEMU_HARNESS_CMD_PEEK_REQUEST);
    REQUIRE(endpoint.asked == 1);

    HarnessDevice copy(ram);
    copy.set_endpoint(&endpoint);
    copy.restore_state(original.save_state());
    CHECK(copy.io_read(LKMEMU_HARNESS_REG_LENGTH, 4) == 4);
    copy.io_write(LKMEMU_HARNESS_REG_ADDR_LO, 4, 0x1000);
    copy.io_write(LKMEMU_HARNESS_REG_ADDR_HI, 4, 0);
    copy.io_write(LKMEMU_HARNESS_REG_LENGTH, 4, 16);
    copy.io_write(LKMEMU_HARNESS_REG_COMMAND, 4, LKMEMU_HARNESS_CMD_GET_REQUEST);
    CHECK(endpoint.asked == 1); // the pending request, not a new one
    CHECK(copy.io_read(LKMEMU_HARNESS_REG_STATUS, 4) == 0);
    CHECK(ram[0x1000] == 1);
    CHECK(ram[0x1003] == 4);
}

TEST_CASE("the snapshot file gives back every field, with zero pages as holes", "[snapshot][format]")
{
    std::string const path = "/tmp/lkmemu-snapshot-format-test-" + std::to_string(getpid());
    uint64_t const ram_size = 64ull << 20;
    std::vector<uint8_t> ram(ram_size);
    ram[0x3000] = 0xaa;                     // page 3
    std::memset(ram.data() + 0x200000, 0x11, 8192); // pages 512, 513
    std::vector<uint64_t> const pages_in_use { 0, 3, 512, 513, 9000 }; // 0 and 9000 are zero

    SnapshotOrigin origin;
    origin.kernel_sha256[0] = 0x42;
    origin.cmdline = "loglevel=7 selftest=none";
    origin.memory_size = ram_size;
    origin.lkmemu_version = "9.9";
    MachineState state;
    state.registers.push_back({ 32, std::vector<uint8_t>(8, 0x77) }); // rip
    state.msrs.emplace_back(0xc0000082, 0xffffffff81000000ull);
    state.hidden_pages.assign(8192, 0xcc);
    state.guest_instructions = 123456;
    state.skipped_ns = 789;
    state.guest_time_ns = 123456 * 1000 + 789;
    state.user_mode_reached = true;
    state.pit.divisor = 4772;
    state.pit.deadline = Pit8254::Clock::time_point {} + std::chrono::nanoseconds(5'000'000);
    state.pic_master.imr = 0xfa;
    state.uart.text = "console\n";
    state.uart.divisor = 3;
    state.harness.pending = std::vector<uint8_t> { 9, 8, 7 };
    state.harness.status = 1;

    {
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
        REQUIRE(fd >= 0);
        auto written = MachineSnapshot::write(fd, origin, state, ram.data(), pages_in_use, path);
        close(fd);
        if (written.is_error())
            FAIL(written.error().message);
        CHECK(written.value() % 4096 == 0);
    }
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK(static_cast<uint64_t>(st.st_blocks) * 512 < (1u << 20)); // 64 MiB of RAM, three pages of data

    auto opened = MachineSnapshot::open(path);
    std::filesystem::remove(path);
    if (opened.is_error())
        FAIL(opened.error().message);
    const MachineSnapshot& snapshot = opened.value();
    CHECK(snapshot.origin().kernel_sha256 == origin.kernel_sha256);
    CHECK(snapshot.origin().cmdline == origin.cmdline);
    CHECK(snapshot.origin().memory_size == ram_size);
    CHECK(snapshot.origin().lkmemu_version == "9.9");
    const MachineState& s = snapshot.state();
    REQUIRE(s.registers.size() == 1);
    CHECK(s.registers[0].id == 32);
    CHECK(s.registers[0].bytes == std::vector<uint8_t>(8, 0x77));
    CHECK(s.msrs == state.msrs);
    CHECK(s.hidden_pages == state.hidden_pages);
    CHECK(s.guest_instructions == 123456);
    CHECK(s.skipped_ns == 789);
    CHECK(s.guest_time_ns == state.guest_time_ns);
    CHECK(s.user_mode_reached);
    CHECK(s.pit.divisor == 4772);
    CHECK(s.pit.deadline == state.pit.deadline);
    CHECK(s.pic_master.imr == 0xfa);
    CHECK(s.uart.text == "console\n");
    CHECK(s.uart.divisor == 3);
    CHECK(s.harness.pending == state.harness.pending);
    CHECK(s.harness.status == 1);

    std::vector<uint8_t> back(ram_size);
    REQUIRE(pread(snapshot.fd(), back.data(), ram_size, static_cast<off_t>(snapshot.ram_offset())) ==
            static_cast<ssize_t>(ram_size));
    CHECK(back == ram);
}
