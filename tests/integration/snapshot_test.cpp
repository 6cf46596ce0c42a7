// Snapshots (docs/machine.md, "Snapshots"): a machine saved at a request point and resumed from
// the file, or reset in-process to a snapshot again and again, is the machine it was — the
// registers, every byte of RAM, the module list — and goes on exactly as it would have. A
// snapshot resumes only with the kernel, memory size and command line it was made with; a damaged
// or truncated file is refused with a message that names the file and what is wrong.
#include "session.h"

#include <machine/snapshot.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <sstream>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

std::string hello() { return std::string(LKMEMU_MODULES_DIR) + "/hello.ko"; }

std::string temp_path(const std::string& name)
{
    return "/tmp/lkmemu-snapshot-test-" + std::to_string(getpid()) + "-" + name;
}

// Removes the file at the end of the test.
struct TempFile {
    explicit TempFile(const std::string& name) : path(temp_path(name)) {}
    ~TempFile() { std::filesystem::remove(path); }
    std::string path;
};

session::SessionOptions options_for(const std::string& commands)
{
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.commands = commands;
    return options;
}

// Boots, runs `commands`, saves a snapshot to `path`, powers off.
session::Summary save(const std::string& path, const std::string& commands)
{
    auto options = options_for(commands);
    options.save_snapshot = path;
    session::Summary summary = create_session(std::move(options))->run();
    INFO(summary.snapshot_error);
    REQUIRE(summary.saved_to == path);
    REQUIRE(summary.stop.reason == StopReason::PowerOff);
    return summary;
}

Session resume(const std::string& path, const std::string& commands)
{
    auto options = options_for(commands);
    options.snapshot = path;
    return run_session(std::move(options));
}

std::string resume_error(session::SessionOptions options)
{
    auto created = session::Session::create(std::move(options));
    REQUIRE(created.is_error());
    return created.error().message;
}

// FNV-1a over all of guest RAM.
uint64_t ram_checksum(const Machine& machine)
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

void check_same_registers(const Registers& a, const Registers& b)
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

std::unique_ptr<Machine> boot_machine(uint64_t memory_mib = 128)
{
    auto created = Machine::create(MachineConfig { .kernel_path = LKMEMU_KERNEL_PATH, .memory_mib = memory_mib });
    if (created.is_error())
        FAIL(created.error().message);
    return created.release_value();
}

} // namespace

TEST_CASE("a machine resumed from a snapshot file has the registers and RAM it was saved with", "[snapshot]")
{
    TempFile file("round-trip.snap");
    auto machine = boot_machine();
    HoldAtEnd host("insmod " + hello());
    machine->set_harness_host(&host);
    RunResult const stop = machine->run();
    REQUIRE(stop.reason == StopReason::Stopped);
    REQUIRE(host.runner().all_succeeded());
    Registers const saved_registers = machine->registers();
    uint64_t const saved_checksum = ram_checksum(*machine);
    auto saved = machine->save_snapshot(file.path);
    if (saved.is_error())
        FAIL(saved.error().message);

    auto resumed = Machine::resume(MachineConfig { .kernel_path = LKMEMU_KERNEL_PATH }, file.path);
    if (resumed.is_error())
        FAIL(resumed.error().message);
    Machine& again = *resumed.value();
    check_same_registers(saved_registers, again.registers());
    CHECK(ram_checksum(again) == saved_checksum);
    CHECK(again.guest_instructions() == machine->guest_instructions());
    CHECK(again.guest_time_ns() == machine->guest_time_ns());
    CHECK(again.console_text() == machine->console_text());
    CHECK(again.user_mode_reached());
}

TEST_CASE("a snapshot made after insmod shows the module in lsmod after resuming", "[snapshot]")
{
    TempFile file("after-insmod.snap");
    session::Summary const saved = save(file.path, "insmod " + hello() + "; lsmod");
    REQUIRE(saved.commands.size() == 2);
    REQUIRE(saved.commands[0].ok);
    CHECK_THAT(saved.commands[1].output, Catch::Contains("hello "));

    Session s = resume(file.path, "lsmod");
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    REQUIRE(s.results.size() == 1);
    CHECK(s.result(0).ok);
    CHECK(s.result(0).output == saved.commands[1].output); // the module list, byte for byte
}

TEST_CASE("a module loaded after resuming works and unloads", "[snapshot]")
{
    TempFile file("fresh.snap");
    save(file.path, "");
    Session s = resume(file.path, "insmod " + hello() + " who=snapshot; lsmod; rmmod hello; lsmod");
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    REQUIRE(s.results.size() == 4);
    for (const auto& result : s.results) {
        INFO(result.command << ": " << result.error);
        CHECK(result.ok);
    }
    CHECK_THAT(s.console(), Catch::Contains("Hello, snapshot"));
    CHECK_THAT(s.result(1).output, Catch::Contains("hello "));
    CHECK_THAT(s.result(3).output, !Catch::Contains("hello "));
}

TEST_CASE("resuming one snapshot twice gives the same transcript and instruction counts", "[snapshot]")
{
    TempFile file("determinism.snap");
    save(file.path, "");
    std::string const commands = "insmod " + hello() + "; lsmod; dmesg; rmmod hello";
    Session first = resume(file.path, commands);
    Session second = resume(file.path, commands);
    REQUIRE(first.stop.reason == StopReason::PowerOff);
    REQUIRE(second.results.size() == first.results.size());
    for (size_t i = 0; i < first.results.size(); ++i) {
        INFO(first.result(i).command);
        CHECK(first.result(i).ok);
        CHECK(first.result(i).output == second.result(i).output);
        CHECK(first.result(i).guest_instructions == second.result(i).guest_instructions);
    }
    CHECK(first.console() == second.console());
    CHECK(first.machine->guest_instructions() == second.machine->guest_instructions());
    CHECK(first.machine->guest_time_ns() == second.machine->guest_time_ns());
}

TEST_CASE("a snapshot is refused with another kernel, memory size or command line", "[snapshot]")
{
    TempFile file("refusals.snap");
    save(file.path, "");

    SECTION("another kernel: one byte changed")
    {
        TempFile kernel("other-kernel.elf");
        std::filesystem::copy_file(LKMEMU_KERNEL_PATH, kernel.path);
        {
            std::fstream f(kernel.path, std::ios::in | std::ios::out | std::ios::binary);
            f.seekg(4096);
            char byte = 0;
            f.read(&byte, 1);
            byte = static_cast<char>(byte ^ 0x55);
            f.seekp(4096);
            f.write(&byte, 1);
        }
        auto options = options_for("lsmod");
        options.snapshot = file.path;
        options.kernel_path = kernel.path;
        std::string const error = resume_error(std::move(options));
        CHECK_THAT(error, Catch::Contains("snapshot " + file.path + " was made from another kernel"));
        CHECK_THAT(error, Catch::Contains(kernel.path + " has SHA-256"));
    }
    SECTION("another memory size")
    {
        auto options = options_for("lsmod");
        options.snapshot = file.path;
        options.memory_mib = 64;
        CHECK(resume_error(std::move(options)) ==
              "snapshot " + file.path + " holds 128 MiB of RAM; this run asks for 64 MiB (--memory)");
    }
    SECTION("another command line")
    {
        auto options = options_for("lsmod");
        options.snapshot = file.path;
        options.cmdline = "loglevel=1";
        CHECK_THAT(resume_error(std::move(options)),
                   Catch::Contains("was booted with the command line \"\"; a resumed kernel keeps it, so "
                                   "\"loglevel=1\" (--append) cannot apply"));
    }
}

TEST_CASE("a truncated or damaged snapshot file is refused", "[snapshot]")
{
    TempFile file("damaged.snap");
    save(file.path, "");
    auto options = options_for("lsmod");
    options.snapshot = file.path;

    SECTION("truncated")
    {
        std::filesystem::resize_file(file.path, std::filesystem::file_size(file.path) / 2);
        std::string const error = resume_error(options);
        CHECK_THAT(error, Catch::StartsWith("snapshot " + file.path + " is not usable: it is "));
        CHECK_THAT(error, Catch::EndsWith("truncated"));
    }
    SECTION("truncated inside the header")
    {
        std::filesystem::resize_file(file.path, 100);
        CHECK_THAT(resume_error(options), Catch::Contains("shorter than the 152-byte header (truncated?)"));
    }
    SECTION("a state byte changed")
    {
        {
            std::fstream f(file.path, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(200);
            f.put('\x7f');
        }
        CHECK(resume_error(options) == "snapshot " + file.path +
                                          " is not usable: its header or state records do not match their SHA-256 (corrupt)");
    }
    SECTION("not a snapshot")
    {
        std::filesystem::remove(file.path);
        std::filesystem::copy_file(LKMEMU_KERNEL_PATH, file.path);
        CHECK_THAT(resume_error(options), Catch::Contains("it is not an lkmemu snapshot (wrong magic)"));
    }
    SECTION("missing")
    {
        std::filesystem::remove(file.path);
        CHECK_THAT(resume_error(options), Catch::StartsWith("cannot open snapshot " + file.path + ": No such file"));
    }
}

TEST_CASE("an in-process reset puts back the registers and RAM every time", "[snapshot]")
{
    auto machine = boot_machine();
    {
        HoldAtEnd boot("");
        machine->set_harness_host(&boot);
        REQUIRE(machine->run().reason == StopReason::Stopped);
        machine->set_harness_host(nullptr);
    }
    auto taken = machine->take_snapshot();
    if (taken.is_error())
        FAIL(taken.error().message);
    MachineSnapshot const& snapshot = *taken.value();
    Registers const registers = machine->registers();
    uint64_t const checksum = ram_checksum(*machine);
    uint64_t const instructions = machine->guest_instructions();
    std::string const console = machine->console_text();

    std::vector<std::string> first_outputs;
    uint64_t first_instructions = 0;
    for (int round = 0; round < 4; ++round) {
        INFO("round " << round);
        HoldAtEnd host("insmod " + hello() + " who=round; lsmod; rmmod hello; lsmod");
        host.release();
        machine->set_harness_host(&host);
        REQUIRE(machine->run().reason == StopReason::PowerOff);
        machine->set_harness_host(nullptr);
        auto results = host.runner().results();
        REQUIRE(results.size() == 4);
        std::vector<std::string> outputs;
        for (const auto& result : results) {
            CHECK(result.ok);
            outputs.push_back(result.output);
        }
        CHECK_THAT(machine->console_text(), Catch::Contains("Hello, round"));
        if (round == 0) {
            first_outputs = outputs;
            first_instructions = machine->guest_instructions();
        } else {
            CHECK(outputs == first_outputs);
            CHECK(machine->guest_instructions() == first_instructions);
        }

        auto restored = machine->restore(snapshot);
        if (restored.is_error())
            FAIL(restored.error().message);
        check_same_registers(registers, machine->registers());
        CHECK(ram_checksum(*machine) == checksum);
        CHECK(machine->guest_instructions() == instructions);
        CHECK(machine->console_text() == console);
    }
}

TEST_CASE("lkmemu snapshot save and run --snapshot", "[snapshot][cli]")
{
    TempFile file("cli.snap");
    CliOutcome const saved = run_lkmemu("snapshot save " + file.path + " -c 'insmod " + hello() + "'");
    INFO(saved.output);
    REQUIRE(saved.status == 0);
    CHECK_THAT(saved.output, Catch::Contains("lkmemu: snapshot saved to " + file.path));

    CliOutcome const resumed = run_lkmemu("run --snapshot " + file.path + " -c lsmod --json -", false);
    INFO(resumed.output);
    REQUIRE(resumed.status == 0);
    auto const json = nlohmann::json::parse(resumed.output);
    CHECK(json["snapshot"]["resumed_from"] == file.path);
    CHECK(json["stop"]["reason"] == "poweroff");
    REQUIRE(json["commands"].size() == 1);
    CHECK_THAT(json["commands"][0]["output"].get<std::string>(), Catch::Contains("hello "));

    CliOutcome const refused = run_lkmemu("run --snapshot " + file.path + " --memory 64 -c lsmod");
    CHECK(refused.status == 2);
    CHECK_THAT(refused.output, Catch::Contains("lkmemu: snapshot " + file.path + " holds 128 MiB of RAM"));
}

namespace {

// The address range of the first executable range vmmap lists for `module`, or "".
std::string text_range(const std::string& vmmap, const std::string& module)
{
    std::istringstream lines(vmmap);
    for (std::string line; std::getline(lines, line);)
        if (line.find(" r-x ") != std::string::npos && line.find(" " + module + " ") != std::string::npos)
            return line.substr(0, line.find(' '));
    return "";
}

// A booted machine held at the request point after `commands`, with an in-memory snapshot taken
// there.
struct SnapshotAfterBoot {
    explicit SnapshotAfterBoot(const std::string& commands = "", uint64_t memory_mib = 128)
        : machine(boot_machine(memory_mib))
    {
        HoldAtEnd boot(commands);
        machine->set_harness_host(&boot);
        REQUIRE(machine->run().reason == StopReason::Stopped);
        REQUIRE(boot.runner().all_succeeded());
        machine->set_harness_host(nullptr);
        auto taken = machine->take_snapshot();
        if (taken.is_error())
            FAIL(taken.error().message);
        snapshot = taken.release_value();
    }
    // Runs `commands` to the end and powers off; returns what each command answered.
    std::vector<CommandResult> run(const std::string& commands)
    {
        HoldAtEnd host(commands);
        host.release();
        host.runner().set_kernel_path(LKMEMU_KERNEL_PATH); // vmmap names the sections
        machine->set_harness_host(&host);
        RunResult const stop = machine->run();
        machine->set_harness_host(nullptr);
        REQUIRE(stop.reason == StopReason::PowerOff);
        return host.runner().results();
    }
    void restore()
    {
        auto restored = machine->restore(*snapshot);
        if (restored.is_error())
            FAIL(restored.error().message);
    }
    std::unique_ptr<Machine> machine;
    std::unique_ptr<MachineSnapshot> snapshot;
};

} // namespace

TEST_CASE("after a restore, new code where old code ran is the new code, counted as on a fresh boot", "[snapshot]")
{
    // hello's init and exit ran in the module area; after the restore params loads at the same
    // addresses (the allocator is back to the snapshot's), over pages the restore put back.
    std::string const commands = "insmod " + std::string(LKMEMU_MODULES_DIR) + "/params.ko count=7; vmmap; rmmod params";
    SnapshotAfterBoot fresh;
    auto const expected = fresh.run(commands);
    REQUIRE(expected.size() == 3);
    for (const auto& result : expected)
        REQUIRE(result.ok);
    CHECK_THAT(fresh.machine->console_text(), Catch::Contains("params: count=7"));

    SnapshotAfterBoot reused;
    auto const before = reused.run("insmod " + hello() + " who=again; vmmap; rmmod hello");
    REQUIRE(before.size() == 3);
    for (const auto& result : before)
        REQUIRE(result.ok);
    // params' text lands where hello's was: new code at an old address.
    std::string const hello_text = text_range(before[1].output, "hello");
    REQUIRE_FALSE(hello_text.empty());
    CHECK(text_range(expected[1].output, "params") == hello_text);
    for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        reused.restore();
        auto const results = reused.run(commands);
        REQUIRE(results.size() == expected.size());
        for (size_t i = 0; i < results.size(); ++i) {
            INFO(results[i].command);
            CHECK(results[i].ok);
            CHECK(results[i].output == expected[i].output);
            CHECK(results[i].guest_instructions == expected[i].guest_instructions);
        }
        CHECK(reused.machine->console_text() == fresh.machine->console_text());
        CHECK_THAT(reused.machine->console_text(), !Catch::Contains("Hello,"));
        CHECK(reused.machine->guest_instructions() == fresh.machine->guest_instructions());
        CHECK(reused.machine->guest_time_ns() == fresh.machine->guest_time_ns());
        // Back to hello for the next round: old code at the address again.
        reused.restore();
        auto const again = reused.run("insmod " + hello() + " who=again; rmmod hello");
        REQUIRE(again.size() == 2);
        CHECK(again[0].ok);
        CHECK(again[0].guest_instructions == before[0].guest_instructions);
        CHECK_THAT(reused.machine->console_text(), Catch::Contains("Hello, again!"));
        CHECK_THAT(reused.machine->console_text(), !Catch::Contains("params:"));
    }
}

TEST_CASE("after a restore, code the restore put back runs as restored, not as the translation of what was there",
          "[snapshot]")
{
    // The test above changes code by guest stores, which the engine notices by itself (a page
    // with translated code is write-protected in its TLB). Here only the restore changes the
    // code: the bytes it puts back differ from those the engine translated last at that address,
    // so a translation the restore fails to drop runs and prints the patched answer.
    std::string const consumer = "insmod " + std::string(LKMEMU_MODULES_DIR) + "/consumer.ko; rmmod consumer";
    SnapshotAfterBoot s("insmod " + std::string(LKMEMU_MODULES_DIR) + "/provider.ko");
    auto const original = s.run(consumer + "; vmmap");
    REQUIRE(original.size() == 3);
    for (const auto& result : original)
        REQUIRE(result.ok);
    CHECK_THAT(s.machine->console_text(), Catch::Contains("consumer: 2 + 3 = 5"));
    // provider_add opens provider's .text: push rbp; mov rbp, rsp; lea eax, [rdi + rsi]; pop rbp; ret.
    std::string const range = text_range(original[2].output, "provider");
    REQUIRE_FALSE(range.empty());
    uint64_t const provider_add = std::stoull(range.substr(0, range.find('-')), nullptr, 16);
    std::vector<uint8_t> const add_bytes = { 0x55, 0x48, 0x89, 0xe5, 0x8d, 0x04, 0x37, 0x5d, 0xc3 };
    std::vector<uint8_t> const doubled = { 0x8d, 0x04, 0x77 }; // lea eax, [rdi + rsi * 2]
    auto code_now = [&] {
        std::vector<uint8_t> bytes(add_bytes.size());
        REQUIRE_FALSE(s.machine->read_virtual(provider_add, bytes).is_error());
        return bytes;
    };
    uint64_t const instructions = original[0].guest_instructions;

    for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        s.restore();
        REQUIRE(code_now() == add_bytes);
        // The debugger's write drops every translation; the patched code is translated anew.
        REQUIRE_FALSE(s.machine->write_virtual(provider_add + 4, doubled).is_error());
        auto const patched = s.run(consumer);
        REQUIRE(patched.size() == 2);
        CHECK(patched[0].ok);
        CHECK_THAT(s.machine->console_text(), Catch::Contains("consumer: 2 + 3 = 8"));
        CHECK(patched[0].guest_instructions == instructions); // the same number of instructions

        // The page goes back to the snapshot's bytes by the restore alone.
        s.restore();
        REQUIRE(code_now() == add_bytes);
        auto const restored = s.run(consumer);
        REQUIRE(restored.size() == 2);
        CHECK(restored[0].ok);
        CHECK_THAT(s.machine->console_text(), Catch::Contains("consumer: 2 + 3 = 5"));
        CHECK_THAT(s.machine->console_text(), !Catch::Contains("consumer: 2 + 3 = 8"));
        CHECK(restored[0].guest_instructions == instructions);
    }
}

// Not run by ctest (hidden): the cost of `insmod hello.ko; rmmod hello` right after an
// in-process restore, for docs/benchmarks.md. Run: integration_tests "[restore-bench]".
TEST_CASE("benchmark: insmod hello after an in-process restore", "[.][restore-bench]")
{
    using Clock = std::chrono::steady_clock;
    auto cpu_now = [] {
        timespec t {};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
    };
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    SnapshotAfterBoot s;
    std::string const commands = "insmod " + hello() + "; rmmod hello";
    s.run(commands); // the first load in this engine: everything it runs is translated here
    std::vector<double> restore_wall, run_wall, run_cpu;
    for (int round = 0; round < 41; ++round) {
        auto const t0 = Clock::now();
        s.restore();
        auto const t1 = Clock::now();
        auto const c1 = cpu_now();
        auto const results = s.run(commands);
        auto const c2 = cpu_now();
        auto const t2 = Clock::now();
        REQUIRE(results.size() == 2);
        REQUIRE(results[0].ok);
        restore_wall.push_back(ms(t1 - t0));
        run_wall.push_back(ms(t2 - t1));
        run_cpu.push_back(ms(c2 - c1));
    }
    std::printf("restore: %.3f ms wall; insmod hello + rmmod hello after it: %.3f ms wall, %.3f ms CPU (medians of %zu)\n",
                median(restore_wall), median(run_wall), median(run_cpu), run_wall.size());
}
