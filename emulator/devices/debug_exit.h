// DebugExit: QEMU's isa-debug-exit at port 0xf4. A 32-bit write of V powers the machine off with
// guest status V (LKMEMU_EXIT_PANIC means the kernel panicked). Narrower writes are ignored, as the
// kernel always writes 32 bits.
#pragma once

#include "devices/io_bus.h"

#include <functional>

namespace lkmemu {

class DebugExit final : public IoDevice {
public:
    static constexpr uint16_t port_count = 4;
    explicit DebugExit(std::function<void(uint32_t status)> on_exit) : m_on_exit(std::move(on_exit)) {}

    uint32_t io_read(uint16_t, unsigned) override { return 0xffffffffu; }
    void io_write(uint16_t offset, unsigned size, uint32_t value) override
    {
        if (offset == 0 && size == 4)
            m_on_exit(value);
    }

private:
    std::function<void(uint32_t)> m_on_exit;
};

} // namespace lkmemu
