// PhysicalMemory: guest RAM as one host buffer (anonymous mmap, committed lazily by the host
// kernel), mapped into the CPU engine at guest-physical 0 with uc_mem_map_ptr. The MMU, the boot
// loader and the devices read and write it directly.
#pragma once

#include "support/result.h"

#include <cstdint>
#include <span>

namespace lkmemu {

class PhysicalMemory {
public:
    static Result<PhysicalMemory> allocate(uint64_t size);
    PhysicalMemory(PhysicalMemory&&) noexcept;
    PhysicalMemory& operator=(PhysicalMemory&&) = delete;
    PhysicalMemory(const PhysicalMemory&) = delete;
    ~PhysicalMemory();

    std::span<uint8_t> bytes() const { return { m_data, m_size }; }
    uint8_t* data() const { return m_data; }
    uint64_t size() const { return m_size; }
    bool contains(uint64_t pa, uint64_t length) const { return pa <= m_size && length <= m_size - pa; }

private:
    PhysicalMemory(uint8_t* data, uint64_t size) : m_data(data), m_size(size) {}
    uint8_t* m_data = nullptr;
    uint64_t m_size = 0;
};

} // namespace lkmemu
