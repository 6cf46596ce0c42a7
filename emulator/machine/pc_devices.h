// PcDevices: the machine's devices on their I/O ports (abi/lkmemu/devices.h), and the adapter
// that lets the host's HarnessHost answer the harness device.
#pragma once

#include "devices/debug_exit.h"
#include "devices/harness_device.h"
#include "devices/io_bus.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/uart16550.h"
#include "machine/machine.h"

#include <lkmemu/devices.h>

#include <functional>
#include <span>

namespace lkmemu {

struct PcDevices {
    PcDevices(Machine& machine, std::span<uint8_t> ram, std::function<void(uint32_t status)> on_power_off)
        : debug_exit(std::move(on_power_off)), harness(ram)
    {
        harness_adapter.machine = &machine;
        uart.set_irq([this] { pic.raise_irq(LKMEMU_IRQ_COM1); });
        io.attach(LKMEMU_PORT_COM1, Uart16550::port_count, uart);
        io.attach(LKMEMU_PORT_DEBUG_EXIT, DebugExit::port_count, debug_exit);
        io.attach(LKMEMU_PORT_PIC1_CMD, Pic8259::port_count, pic.master());
        io.attach(LKMEMU_PORT_PIC2_CMD, Pic8259::port_count, pic.slave());
        io.attach(LKMEMU_PORT_PIT_CH0, Pit8254::port_count, pit);
        io.attach(LKMEMU_PORT_HARNESS, HarnessDevice::port_count, harness);
    }
    PcDevices(const PcDevices&) = delete;
    PcDevices& operator=(const PcDevices&) = delete;

    void set_harness_host(HarnessHost* host)
    {
        harness_adapter.host = host;
        harness.set_endpoint(host ? &harness_adapter : nullptr);
    }

    IoBus io;
    Uart16550 uart;
    DebugExit debug_exit;
    Pic8259Pair pic;
    Pit8254 pit;
    HarnessDevice harness;
    struct HostAdapter final : HarnessEndpoint {
        Machine* machine = nullptr;
        HarnessHost* host = nullptr;
        std::optional<std::vector<uint8_t>> next_request() override { return host->try_next_request(*machine); }
        std::unique_ptr<HarnessData> take_request_data() override { return host->take_request_data(); }
        void on_response(int32_t status, std::string_view text) override { host->on_response(*machine, status, text); }
        void on_answer(int32_t status, uint32_t flags, std::string_view text) override
        {
            host->on_answer(*machine, status, flags, text);
        }
    } harness_adapter;
};

} // namespace lkmemu
