// Shared by the snapshot tests (snapshot_file_test.cpp: snapshot files saved, resumed and
// refused; snapshot_restore_test.cpp: in-process restores): temporary files, sessions that save or
// resume, a RAM checksum, register comparison, and a harness host that holds the machine at the
// request point where a snapshot is taken.
#pragma once

#include "session.h"

#include <machine/snapshot.h>

#include <filesystem>
#include <iterator>
#include <unistd.h>

namespace lkmemu::testing::snapshots {

inline std::string hello() { return std::string(LKMEMU_MODULES_DIR) + "/hello.ko"; }

inline std::string temp_path(const std::string& name)
{
    return "/tmp/lkmemu-snapshot-test-" + std::to_string(getpid()) + "-" + name;
}

// Removes the file at the end of the test.
struct TempFile {
    explicit TempFile(const std::string& name) : path(temp_path(name)) {}
    ~TempFile() { std::filesystem::remove(path); }
    std::string path;
};

inline session::SessionOptions options_for(const std::string& commands)
{
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.commands = commands;
    return options;
}

// Boots, runs `commands`, saves a snapshot to `path`, powers off.
inline session::Summary save(const std::string& path, const std::string& commands)
{
    auto options = options_for(commands);
    options.save_snapshot = path;
    session::Summary summary = create_session(std::move(options))->run();
    INFO(summary.snapshot_error);
    REQUIRE(summary.saved_to == path);
    REQUIRE(summary.stop.reason == StopReason::PowerOff);
    return summary;
}

inline Session resume(const std::string& path, const std::string& commands)
{
    auto options = options_for(commands);
    options.snapshot = path;
    return run_session(std::move(options));
}

inline std::string resume_error(session::SessionOptions options)
{
    auto created = session::Session::create(std::move(options));
    REQUIRE(created.is_error());
    return created.error().message;
}

// FNV-1a over all of guest RAM.
inline uint64_t ram_checksum(const Machine& machine)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    std::vector<uint8_t> chunk(1 << 20);
    for (uint64_t at = 0; at < machine.ram_size(); at += chunk.size()) {
        REQUIRE_FALSE(machine.read_physical(at, chunk).is_error());
        for (uint8_t b : chunk)
            hash = (hash ^ b) * 0x100000001b3ull;
    }
    return hash;
}

inline void check_same_registers(const Registers& a, const Registers& b)
{
    uint64_t const av[] = { a.rax, a.rbx, a.rcx, a.rdx, a.rsi, a.rdi, a.rbp, a.rsp, a.r8, a.r9, a.r10, a.r11, a.r12,
                            a.r13, a.r14, a.r15, a.rip, a.rflags, a.cs, a.ss, a.ds, a.es, a.fs, a.gs, a.fs_base,
                            a.gs_base, a.kernel_gs_base, a.cr0, a.cr2, a.cr3, a.cr4, a.cr8, a.efer };
    uint64_t const bv[] = { b.rax, b.rbx, b.rcx, b.rdx, b.rsi, b.rdi, b.rbp, b.rsp, b.r8, b.r9, b.r10, b.r11, b.r12,
                            b.r13, b.r14, b.r15, b.rip, b.rflags, b.cs, b.ss, b.ds, b.es, b.fs, b.gs, b.fs_base,
                            b.gs_base, b.kernel_gs_base, b.cr0, b.cr2, b.cr3, b.cr4, b.cr8, b.efer };
    for (size_t i = 0; i < std::size(av); ++i) {
        INFO("register #" << i);
        CHECK(av[i] == bv[i]);
    }
}

// Runs the runner's commands, then holds the machine at the next request point (the driver told
// to wait, the machine stopped on request): where a snapshot is taken.
class HoldAtEnd final : public HarnessHost {
public:
    explicit HoldAtEnd(const std::string& commands) : m_runner(parse(commands)) {}
    std::vector<uint8_t> next_request(Machine& machine) override { return m_runner.next_request(machine); }
    std::optional<std::vector<uint8_t>> try_next_request(Machine& machine) override
    {
        if (m_hold && m_runner.at_end_of_commands(machine)) {
            machine.request_stop();
            return std::nullopt;
        }
        return m_runner.try_next_request(machine);
    }
    std::unique_ptr<HarnessData> take_request_data() override { return m_runner.take_request_data(); }
    void on_response(Machine& machine, int32_t status, std::string_view text) override
    {
        m_runner.on_response(machine, status, text);
    }
    void release() { m_hold = false; } // the next request is the power-off
    CommandRunner& runner() { return m_runner; }

private:
    static std::vector<Command> parse(const std::string& text)
    {
        std::vector<Command> commands;
        CommandParseError error;
        REQUIRE(parse_commands(text, commands, error));
        return commands;
    }
    CommandRunner m_runner;
    bool m_hold = true;
};

inline std::unique_ptr<Machine> boot_machine(uint64_t memory_mib = 128)
{
    auto created = Machine::create(MachineConfig { .kernel_path = LKMEMU_KERNEL_PATH, .memory_mib = memory_mib });
    if (created.is_error())
        FAIL(created.error().message);
    return created.release_value();
}

} // namespace lkmemu::testing::snapshots
