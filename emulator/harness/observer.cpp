#include "observer.h"

#include <fmt/format.h>

#include <cstring>
#include <span>
#include <unordered_set>

namespace lkmemu {

namespace {

template<typename T>
Result<T> read_object(const Machine& machine, uint64_t address, const char* what)
{
    T object;
    auto bytes = std::span<uint8_t>(reinterpret_cast<uint8_t*>(&object), sizeof object);
    if (auto read = machine.read_virtual(address, bytes); read.is_error())
        return make_error(fmt::format("cannot read {} at {:#x}: {}", what, address, read.error().message));
    return object;
}

std::string c_string(const char* chars, size_t capacity)
{
    return std::string(chars, strnlen(chars, capacity));
}

// Modules load and unload; a list longer than this is a corrupt list, not a busy kernel.
constexpr size_t kMaxModules = 4096;
constexpr uint32_t kMaxSections = 4096;

} // namespace

Result<lkm_meminfo> read_meminfo(const Machine& machine, const KernelSymbols& symbols)
{
    std::optional<uint64_t> address = symbols.address_of("kernel_meminfo");
    if (!address)
        return make_error("the kernel has no kernel_meminfo symbol");
    return read_object<lkm_meminfo>(machine, *address, "kernel_meminfo");
}

Result<std::vector<ObservedModule>> read_modules(const Machine& machine, const KernelSymbols& symbols)
{
    std::vector<ObservedModule> modules;
    std::optional<uint64_t> head = symbols.address_of("lkm_observed_modules");
    if (!head)
        return modules;
    uint64_t at = LKMEMU_TRY(read_object<uint64_t>(machine, *head, "lkm_observed_modules"));
    std::unordered_set<uint64_t> seen;
    while (at != 0) {
        if (!seen.insert(at).second || seen.size() > kMaxModules)
            return make_error(fmt::format("the module list loops at {:#x}", at));
        auto observed = LKMEMU_TRY(read_object<lkm_observed_module>(machine, at, "a module"));
        ObservedModule module;
        module.name = c_string(observed.name, sizeof observed.name);
        module.state = observed.state;
        if (observed.section_count > kMaxSections)
            return make_error(fmt::format("module {} claims {} sections", module.name, observed.section_count));
        for (uint32_t i = 0; i < observed.section_count; ++i) {
            auto section = LKMEMU_TRY(read_object<lkm_observed_section>(
                machine, observed.sections + i * sizeof(lkm_observed_section), "a module section"));
            if (section.size == 0)
                continue;
            module.sections.push_back({section.address, section.address + section.size,
                                       module.name + " " + c_string(section.name, sizeof section.name)});
        }
        modules.push_back(std::move(module));
        at = observed.next;
    }
    return modules;
}

std::string format_meminfo(const lkm_meminfo& info)
{
    return fmt::format("MemTotal:        {:>10} kB\n"
                       "MemFree:         {:>10} kB\n"
                       "PagesTotal:      {:>10}\n"
                       "PagesFree:       {:>10}\n"
                       "KmallocBytes:    {:>10}\n"
                       "KmallocObjects:  {:>10}\n"
                       "ModuleAreaPages: {:>10}\n"
                       "UserPages:       {:>10}\n",
                       info.total_pages * 4, info.free_pages * 4, info.total_pages, info.free_pages,
                       info.kmalloc_bytes, info.kmalloc_objects, info.module_area_pages, info.user_pages);
}

} // namespace lkmemu
