// IoBus: the x86 I/O port space. Devices claim port ranges; the CPU's IN/OUT land here. As on a
// PC, a port nobody claims reads as all-ones and ignores writes.
#pragma once

#include <cstdint>
#include <vector>

namespace lkmemu {

class IoDevice {
public:
    virtual ~IoDevice() = default;
    // offset is relative to the claimed base; size is 1, 2 or 4 bytes.
    virtual uint32_t io_read(uint16_t offset, unsigned size) = 0;
    virtual void io_write(uint16_t offset, unsigned size, uint32_t value) = 0;
};

class IoBus {
public:
    // Claims [base, base + length). Ranges must not overlap (a programming error: asserts).
    void attach(uint16_t base, uint16_t length, IoDevice&);

    uint32_t read(uint16_t port, unsigned size);
    void write(uint16_t port, unsigned size, uint32_t value);

private:
    struct Range {
        uint16_t base;
        uint16_t length;
        IoDevice* device;
    };
    Range* find(uint16_t port);
    std::vector<Range> m_ranges;
};

} // namespace lkmemu
