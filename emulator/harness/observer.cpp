#include "observer.h"

#include <fmt/format.h>

#include <algorithm>
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

// Sections are read this many at a time: a corrupt count then fails at the first unreadable
// chunk instead of allocating for all it claims.
constexpr uint32_t kSectionChunk = 64;

std::string describe(const lkm_observer_abi& abi)
{
    return fmt::format("version {} (meminfo {}, module {}, section {} bytes)", abi.version, abi.meminfo_size, abi.module_size,
                       abi.section_size);
}

} // namespace

std::string_view ObservedModule::section_name(const NamedRegion& region) const
{
    std::string_view name = region.name;
    if (name.size() > this->name.size() && name.starts_with(this->name) && name[this->name.size()] == ' ')
        name.remove_prefix(this->name.size() + 1);
    return name;
}

Result<KernelObserver> KernelObserver::attach(const Machine& machine, const KernelSymbols& symbols)
{
    std::optional<uint64_t> abi_address = symbols.address_of("lkm_observer_abi");
    if (!abi_address)
        return make_error("kernel does not publish lkm_observer_abi");
    auto const found = LKMEMU_TRY(read_object<lkm_observer_abi>(machine, *abi_address, "lkm_observer_abi"));
    lkm_observer_abi const expected { LKM_OBSERVER_VERSION, sizeof(lkm_meminfo), sizeof(lkm_observed_module),
                                      sizeof(lkm_observed_section) };
    if (std::memcmp(&found, &expected, sizeof found) != 0)
        return make_error(fmt::format("kernel observer ABI mismatch: this host reads {}, the kernel publishes {}",
                                      describe(expected), describe(found)));
    return KernelObserver(machine, symbols.address_of("kernel_meminfo").value_or(0),
                          symbols.address_of("lkm_observed_modules").value_or(0));
}

Result<lkm_meminfo> KernelObserver::meminfo() const
{
    if (!m_meminfo)
        return make_error("the kernel has no kernel_meminfo symbol");
    return read_object<lkm_meminfo>(*m_machine, m_meminfo, "kernel_meminfo");
}

Result<uint64_t> KernelObserver::module_list_head() const
{
    if (!m_modules)
        return uint64_t(0);
    return read_object<uint64_t>(*m_machine, m_modules, "lkm_observed_modules");
}

Result<std::vector<ObservedModule>> KernelObserver::modules() const
{
    std::vector<ObservedModule> modules;
    uint64_t at = LKMEMU_TRY(module_list_head());
    std::unordered_set<uint64_t> seen;
    while (at != 0) {
        if (!seen.insert(at).second)
            return make_error(fmt::format("the module list loops at {:#x}", at));
        auto observed = LKMEMU_TRY(read_object<lkm_observed_module>(*m_machine, at, "a module"));
        ObservedModule module;
        module.name = c_string(observed.name, sizeof observed.name);
        module.state = observed.state;
        module.core_base = observed.core_base;
        module.core_size = observed.core_size;
        module.init_base = observed.init_base;
        module.init_size = observed.init_size;
        for (uint32_t first = 0; first < observed.section_count; first += kSectionChunk) {
            lkm_observed_section chunk[kSectionChunk];
            uint32_t const count = std::min(kSectionChunk, observed.section_count - first);
            uint64_t const address = observed.sections + uint64_t(first) * sizeof chunk[0];
            auto bytes = std::span<uint8_t>(reinterpret_cast<uint8_t*>(chunk), count * sizeof chunk[0]);
            if (auto read = m_machine->read_virtual(address, bytes); read.is_error())
                return make_error(fmt::format("cannot read the sections of module {} ({} claimed) at {:#x}: {}", module.name,
                                              observed.section_count, address, read.error().message));
            for (uint32_t i = 0; i < count; ++i) {
                module.sections.push_back({chunk[i].address, chunk[i].address + chunk[i].size,
                                           module.name + " " + c_string(chunk[i].name, sizeof chunk[i].name)});
            }
        }
        modules.push_back(std::move(module));
        at = observed.next;
    }
    return modules;
}

Result<lkm_meminfo> read_meminfo(const Machine& machine, const KernelSymbols& symbols)
{
    return LKMEMU_TRY(KernelObserver::attach(machine, symbols)).meminfo();
}

Result<std::vector<ObservedModule>> read_modules(const Machine& machine, const KernelSymbols& symbols)
{
    return LKMEMU_TRY(KernelObserver::attach(machine, symbols)).modules();
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
