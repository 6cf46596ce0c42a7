#include "machine/physical_memory.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <sys/mman.h>

namespace lkmemu {

Result<PhysicalMemory> PhysicalMemory::allocate(uint64_t size)
{
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return make_error(fmt::format("cannot allocate {} MiB of guest RAM: {}", size >> 20, std::strerror(errno)));
    return PhysicalMemory(static_cast<uint8_t*>(p), size);
}

PhysicalMemory::PhysicalMemory(PhysicalMemory&& other) noexcept : m_data(other.m_data), m_size(other.m_size)
{
    other.m_data = nullptr;
    other.m_size = 0;
}

PhysicalMemory::~PhysicalMemory()
{
    if (m_data)
        munmap(m_data, m_size);
}

} // namespace lkmemu
