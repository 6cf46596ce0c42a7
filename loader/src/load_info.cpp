#include <loader/load_info.h>

namespace lkm {

load_info::~load_info()
{
    if (!memory_provider)
        return;
    if (init_region.memory)
        memory_provider->free_region(Region::init, init_region);
    if (core.memory)
        memory_provider->free_region(Region::core, core);
}

void load_info::release_module_memory() { memory_provider = nullptr; }

uint64_t load_info::section_address(unsigned section) const
{
    if (section >= placement.size())
        return 0;
    const SectionPlacement& p = placement[section];
    if (p.region == Region::core)
        return core.address + p.offset;
    if (p.region == Region::init)
        return init_region.address + p.offset;
    return 0;
}

uint8_t* load_info::section_memory(unsigned section) const
{
    if (section >= placement.size())
        return nullptr;
    const SectionPlacement& p = placement[section];
    if (p.region == Region::core && core.memory)
        return core.memory + p.offset;
    if (p.region == Region::init && init_region.memory)
        return init_region.memory + p.offset;
    return nullptr;
}

uint8_t* load_info::memory_at(uint64_t address, uint64_t size) const
{
    const ModuleMemory* regions[] = { &core, &init_region };
    for (const ModuleMemory* m : regions) {
        if (!m->memory || address < m->address)
            continue;
        uint64_t offset = address - m->address;
        if (offset <= m->size && size <= m->size - offset)
            return m->memory + offset;
    }
    return nullptr;
}

} // namespace lkm
