#include "devices/io_bus.h"

#include <cassert>

namespace lkmemu {

void IoBus::attach(uint16_t base, uint16_t length, IoDevice& device)
{
    for ([[maybe_unused]] auto const& range : m_ranges)
        assert(base + length <= range.base || range.base + range.length <= base);
    m_ranges.push_back(Range { base, length, &device });
}

IoBus::Range* IoBus::find(uint16_t port)
{
    for (auto& range : m_ranges) {
        if (port >= range.base && port - range.base < range.length)
            return &range;
    }
    return nullptr;
}

uint32_t IoBus::read(uint16_t port, unsigned size)
{
    uint32_t const all_ones = size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    if (auto* range = find(port))
        return range->device->io_read(static_cast<uint16_t>(port - range->base), size) & all_ones;
    return all_ones;
}

void IoBus::write(uint16_t port, unsigned size, uint32_t value)
{
    if (auto* range = find(port))
        range->device->io_write(static_cast<uint16_t>(port - range->base), size, value);
}

} // namespace lkmemu
