// Host implementations of the loader's memory interfaces: malloc for bookkeeping, and module
// regions in malloc'd memory linked for trial addresses in the module area (core at `base`, init
// right after core).
#pragma once

#include <loader/allocator.h>

namespace lkm::tools {

inline constexpr uint64_t trial_module_base = 0xffffffffa0000000ull; // docs/architecture.md
inline constexpr uint64_t trial_kernel_base = 0xffffffff80000000ull;

class MallocAllocator final : public Allocator {
public:
    void* allocate(size_t size, size_t alignment) override;
    void deallocate(void* pointer) override;
};

class TrialModuleMemory final : public ModuleMemoryProvider {
public:
    explicit TrialModuleMemory(uint64_t base = trial_module_base) : m_base(base) {}
    ErrorOr<ModuleMemory> allocate_region(Region region, size_t size) override;
    void free_region(Region region, const ModuleMemory& memory) override;

private:
    uint64_t m_base;
    uint64_t m_core_size = 0;
};

} // namespace lkm::tools
