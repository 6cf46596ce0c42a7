#include <loader/tools/host_memory.h>

#include <cstddef>
#include <cstdlib>

namespace lkm::tools {

void* MallocAllocator::allocate(size_t size, size_t alignment)
{
    if (alignment <= alignof(std::max_align_t))
        return std::malloc(size ? size : 1);
    size_t rounded = (size + alignment - 1) / alignment * alignment;
    return std::aligned_alloc(alignment, rounded ? rounded : alignment);
}

void MallocAllocator::deallocate(void* pointer) { std::free(pointer); }

ErrorOr<ModuleMemory> TrialModuleMemory::allocate_region(Region region, size_t size)
{
    void* memory = std::aligned_alloc(4096, size);
    if (!memory)
        return Error::from_errno(LKM_ENOMEM, "cannot allocate host memory for the module image");
    ModuleMemory m;
    m.memory = static_cast<uint8_t*>(memory);
    m.size = size;
    if (region == Region::core) {
        m.address = m_base;
        m_core_size = size;
    } else {
        m.address = m_base + m_core_size; // init follows core, as in the kernel's module area
    }
    return m;
}

void TrialModuleMemory::free_region(Region, const ModuleMemory& memory) { std::free(memory.memory); }

} // namespace lkm::tools
