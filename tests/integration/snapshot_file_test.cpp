// Snapshot files (docs/machine.md, "Snapshots"): a machine saved at a request point and resumed
// from the file is the machine it was -- the registers, every byte of RAM, the module list -- and
// goes on exactly as it would have. A snapshot resumes only with the kernel, memory size and
// command line it was made with; a damaged or truncated file is refused with a message that names
// the file and what is wrong.
#include "snapshot_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace lkmemu;
using namespace lkmemu::testing;
using namespace lkmemu::testing::snapshots;

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
