// What the module tests share: a session whose host also looks at the guest before every
// request (the guest is stopped in init's read() then), reading what the kernel publishes for
// observers (abi/lkmemu/observer.h): kernel_meminfo and the lkm_observed_modules list, with the
// page permissions of every module section from the machine's page-table walk.
#pragma once

#include "session.h"

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

// The address of a symbol in kernel.elf's .symtab (0 if absent).
inline uint64_t kernel_symbol(const std::string& name, const std::string& path = LKMEMU_KERNEL_PATH)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> elf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto read = [&](uint64_t offset, auto& out) {
        REQUIRE(offset + sizeof(out) <= elf.size());
        std::memcpy(&out, elf.data() + offset, sizeof(out));
    };
    uint64_t shoff;
    uint16_t shentsize, shnum;
    read(0x28, shoff);
    read(0x3a, shentsize);
    read(0x3c, shnum);
    for (uint16_t i = 0; i < shnum; i++) {
        uint64_t sh = shoff + uint64_t(i) * shentsize;
        uint32_t type, link;
        uint64_t offset, size, entsize;
        read(sh + 4, type);
        if (type != 2) // SHT_SYMTAB
            continue;
        read(sh + 0x18, offset);
        read(sh + 0x20, size);
        read(sh + 0x28, link);
        read(sh + 0x38, entsize);
        uint64_t strsh = shoff + uint64_t(link) * shentsize, stroff;
        read(strsh + 0x18, stroff);
        for (uint64_t sym = offset; sym + entsize <= offset + size; sym += entsize) {
            uint32_t name_offset;
            uint64_t value;
            read(sym, name_offset);
            read(sym + 8, value);
            if (std::strcmp(reinterpret_cast<const char*>(elf.data() + stroff + name_offset), name.c_str()) == 0)
                return value;
        }
    }
    return 0;
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

inline Snapshot take_snapshot(Machine& machine)
{
    static const uint64_t meminfo_va = kernel_symbol("kernel_meminfo");
    static const uint64_t modules_va = kernel_symbol("lkm_observed_modules");
    Snapshot s;
    REQUIRE(meminfo_va);
    REQUIRE(modules_va);
    REQUIRE(!machine.read_virtual(meminfo_va, std::span(reinterpret_cast<uint8_t*>(&s.meminfo), sizeof(s.meminfo))).is_error());
    std::vector<MappedRange> ranges = machine.mapped_ranges();
    for (const MappedRange& r : ranges) {
        if (r.writable && r.executable)
            s.wx_anywhere = true;
        if (r.start >= 0xffffffffa0000000ull && r.start < 0xffffffffff000000ull)
            s.module_area.push_back(r);
        if (r.user)
            s.user.push_back(r);
    }
    uint64_t next = 0;
    REQUIRE(!machine.read_virtual(modules_va, std::span(reinterpret_cast<uint8_t*>(&next), sizeof(next))).is_error());
    for (int guard = 0; next && guard < 64; guard++) {
        lkm_observed_module m;
        REQUIRE(!machine.read_virtual(next, std::span(reinterpret_cast<uint8_t*>(&m), sizeof(m))).is_error());
        ObservedModule o;
        o.name = std::string(m.name, strnlen(m.name, sizeof(m.name)));
        o.state = m.state;
        o.core_base = m.core_base;
        o.core_size = m.core_size;
        o.init_base = m.init_base;
        o.init_size = m.init_size;
        for (uint32_t i = 0; i < m.section_count; i++) {
            lkm_observed_section sec;
            REQUIRE(!machine.read_virtual(m.sections + i * sizeof(sec), std::span(reinterpret_cast<uint8_t*>(&sec), sizeof(sec))).is_error());
            ObservedSection os { std::string(sec.name, strnlen(sec.name, sizeof(sec.name))), sec.address, sec.size, "" };
            os.perms = perms_at(ranges, sec.address);
            o.sections.push_back(os);
        }
        s.modules.push_back(o);
        next = m.next;
    }
    return s;
}

// The command runner, plus a snapshot of the guest before every guest request it makes: so
// snapshots[i] is the state before the i-th command (host-only commands such as vmmap excepted),
// and the last one the state after the last command (taken before the power-off request).
class ObservingHost final : public HarnessHost {
public:
    ObservingHost(std::vector<Command> commands, std::set<size_t> pause_before)
        : m_runner(std::move(commands)), m_pause_before(std::move(pause_before))
    {
    }
    std::vector<uint8_t> next_request(Machine& machine) override
    {
        // The PIT runs on the host's clock: pausing here makes a timer tick pending, which the
        // guest takes as soon as init is back in user mode (before it runs the next command).
        if (m_pause_before.count(snapshots.size()))
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        snapshots.push_back(take_snapshot(machine));
        return m_runner.next_request(machine);
    }
    void on_response(Machine& machine, int32_t status, std::string_view text) override
    {
        m_runner.on_response(machine, status, text);
    }
    CommandRunner& runner() { return m_runner; }

    std::vector<Snapshot> snapshots;

private:
    CommandRunner m_runner;
    std::set<size_t> m_pause_before;
};

struct ObservedSession {
    std::unique_ptr<Machine> machine;
    RunResult stop;
    std::vector<CommandResult> results;
    std::vector<Snapshot> snapshots;

    const CommandResult& result(size_t i) const { return results.at(i); }
    const std::string& console() const { return machine->console_text(); }
    const Snapshot& before(size_t i) const { return snapshots.at(i); }
    const Snapshot& last() const { return snapshots.back(); }
};

// pause_before: indices of commands before which the host waits 50 ms (see ObservingHost).
inline ObservedSession run_observed(const std::string& commands, const std::string& cmdline = "",
                                    std::set<size_t> pause_before = {})
{
    std::vector<Command> parsed;
    CommandParseError error;
    REQUIRE(parse_commands(commands, parsed, error));
    MachineConfig config;
    config.kernel_path = LKMEMU_KERNEL_PATH;
    config.cmdline = cmdline;
    auto created = Machine::create(config);
    if (created.is_error())
        FAIL(created.error().message);
    ObservedSession session;
    session.machine = created.release_value();
    ObservingHost host(std::move(parsed), std::move(pause_before));
    host.runner().set_kernel_path(LKMEMU_KERNEL_PATH);
    session.machine->set_harness_host(&host);
    session.stop = session.machine->run();
    session.results = host.runner().results();
    session.snapshots = std::move(host.snapshots);
    return session;
}

inline std::string module_path(const std::string& name) { return std::string(LKMEMU_MODULES_DIR) + "/" + name + ".ko"; }

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
