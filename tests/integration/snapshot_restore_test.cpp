// In-process restores (docs/machine.md, "Snapshots"): a machine reset to a snapshot again and
// again is the machine it was -- registers, RAM, console, instruction counts -- and code the
// restore replaced or put back runs as what is in memory now, not as a stale translation.
#include "snapshot_support.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <vector>

using namespace lkmemu;
using namespace lkmemu::testing;
using namespace lkmemu::testing::snapshots;

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
