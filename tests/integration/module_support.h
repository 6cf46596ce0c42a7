// What the module tests share: a session whose host also looks at the guest before every
// request (the guest is stopped in init's read() then), reading what the kernel publishes for
// observers (abi/lkmemu/observer.h): kernel_meminfo and the lkm_observed_modules list, with the
// page permissions of every module section from the machine's page-table walk.
#pragma once

#include "session.h"

#include <harness/kernel_symbols.h>
#include <harness/observer.h>
#include <support/module_signature.h>

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>
#include <lkmemu/observer.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <sstream>

namespace lkmemu::testing {

// kernel.elf's symbols, read once (the host's own reader, emulator/harness/kernel_symbols.h).
inline const KernelSymbols& kernel_elf_symbols()
{
    static const KernelSymbols symbols = KernelSymbols::read(LKMEMU_KERNEL_PATH);
    return symbols;
}

// The address of a symbol in kernel.elf's .symtab (0 if absent).
inline uint64_t kernel_symbol(const std::string& name)
{
    return kernel_elf_symbols().address_of(name).value_or(0);
}

struct ObservedSection {
    std::string name;
    uint64_t address = 0, size = 0;
    std::string perms; // "r-x", "r--", "rw-" of its first page, "---" if unmapped
};

struct ObservedModule {
    std::string name;
    uint32_t state = 0;
    uint64_t core_base = 0, core_size = 0, init_base = 0, init_size = 0;
    std::vector<ObservedSection> sections;
    const ObservedSection* section(const std::string& name) const
    {
        for (const auto& s : sections)
            if (s.name == name)
                return &s;
        return nullptr;
    }
};

struct Snapshot {
    lkm_meminfo meminfo {};
    std::vector<ObservedModule> modules;
    std::vector<MappedRange> module_area; // mapped ranges in [0xffffffffa0000000, ...)
    std::vector<MappedRange> user;        // mapped ranges of init's address space (user pages)
    bool wx_anywhere = false;             // some mapped range is both writable and executable
};

inline std::string perms_at(const std::vector<MappedRange>& ranges, uint64_t va)
{
    for (const MappedRange& r : ranges) {
        if (va >= r.start && va < r.end)
            return std::string("r") + (r.writable ? "w" : "-") + (r.executable ? "x" : "-");
    }
    return "---";
}

// What the kernel publishes, read through the host's one observer reader (which checks
// lkm_observer_abi first), with each module section's page permissions from the page tables.
inline Snapshot take_snapshot(Machine& machine)
{
    auto observer = KernelObserver::attach(machine, kernel_elf_symbols());
    REQUIRE(!observer.is_error());
    Snapshot s;
    auto meminfo = observer.value().meminfo();
    REQUIRE(!meminfo.is_error());
    s.meminfo = meminfo.value();
    std::vector<MappedRange> ranges = machine.mapped_ranges();
    for (const MappedRange& r : ranges) {
        if (r.writable && r.executable)
            s.wx_anywhere = true;
        if (r.start >= 0xffffffffa0000000ull && r.start < 0xffffffffff000000ull)
            s.module_area.push_back(r);
        if (r.user)
            s.user.push_back(r);
    }
    auto modules = observer.value().modules();
    REQUIRE(!modules.is_error());
    for (const lkmemu::ObservedModule& m : modules.value()) {
        ObservedModule o;
        o.name = m.name;
        o.state = m.state;
        o.core_base = m.core_base;
        o.core_size = m.core_size;
        o.init_base = m.init_base;
        o.init_size = m.init_size;
        for (const NamedRegion& region : m.sections) {
            ObservedSection os { std::string(m.section_name(region)), region.start, region.end - region.start, "" };
            os.perms = perms_at(ranges, region.start);
            o.sections.push_back(os);
        }
        s.modules.push_back(o);
    }
    return s;
}

// A session with a snapshot of the guest before every guest request it made: snapshots[i] is
// the state before the i-th command (host-only commands such as vmmap excepted), and the last one
// the state after the last command (taken before the power-off request).
struct ObservedSession : Session {
    std::vector<Snapshot> snapshots;

    const Snapshot& before(size_t i) const { return snapshots.at(i); }
    const Snapshot& last() const { return snapshots.back(); }
};

// pause_before: indices of snapshots before which 50 ms of guest time pass at once (a stall, as
// if the host held the guest there): that makes a timer tick pending, which the guest takes as
// soon as init is back in user mode (before it runs the next command).
inline ObservedSession run_observed(const std::string& commands, const std::string& cmdline = "",
                                    std::set<size_t> pause_before = {})
{
    auto snapshots = std::make_shared<std::vector<Snapshot>>();
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.cmdline = cmdline;
    options.commands = commands;
    options.before_request = [snapshots, pause_before = std::move(pause_before)](Machine& machine) {
        if (pause_before.count(snapshots->size()))
            machine.advance_guest_time(50'000'000);
        snapshots->push_back(take_snapshot(machine));
    };
    ObservedSession observed { run_session(std::move(options)) };
    observed.snapshots = std::move(*snapshots);
    return observed;
}

inline std::string module_path(const std::string& name) { return std::string(LKMEMU_MODULES_DIR) + "/" + name + ".ko"; }

// A built module's ELF image without its signature (support/module_signature.h): what a test
// patches, since a changed signed module is refused (EKEYREJECTED) before any check the test
// means. The patched copy is an unsigned module, so it also taints the kernel E.
inline std::string module_image(const std::string& name)
{
    std::string bytes = read_bytes(module_path(name));
    bytes.resize(module_image_size(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
    return bytes;
}

// Memory the kernel holds, which a load and unload must give back. Pages init's own memory took
// meanwhile (its request buffer is demand-zero: the first large request maps more of it) count
// as in use by init, not as missing.
inline uint64_t kernel_free_pages(const lkm_meminfo& m) { return m.free_pages + m.user_pages; }

inline bool same_memory(const lkm_meminfo& a, const lkm_meminfo& b)
{
    return a.total_pages == b.total_pages && kernel_free_pages(a) == kernel_free_pages(b) &&
           a.kmalloc_bytes == b.kmalloc_bytes && a.kmalloc_objects == b.kmalloc_objects &&
           a.module_area_pages == b.module_area_pages;
}

#define CHECK_MEMINFO_EQUAL(a, b)                                                                  \
    do {                                                                                           \
        CHECK(kernel_free_pages(a) == kernel_free_pages(b));                                       \
        CHECK((a).kmalloc_bytes == (b).kmalloc_bytes);                                             \
        CHECK((a).kmalloc_objects == (b).kmalloc_objects);                                         \
        CHECK((a).module_area_pages == (b).module_area_pages);                                     \
    } while (0)

} // namespace lkmemu::testing
