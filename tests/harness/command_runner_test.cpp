// CommandRunner (emulator/harness/command_runner.cpp) against init's side of the protocol, played
// by the test: requests handed out, answers given or not.
#include <harness/command_runner.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace lkmemu;

namespace {

// A machine for the runner's clocks (guest time, instructions): loaded, never run.
std::unique_ptr<Machine> idle_machine()
{
    auto machine = Machine::create(MachineConfig { LKMEMU_KERNEL_PATH, "", 32 });
    if (machine.is_error())
        FAIL(machine.error().message);
    return machine.release_value();
}

} // namespace

TEST_CASE("a request asked for while a command is in flight ends that command, failed: no answer is lost")
{
    auto machine = idle_machine();
    std::vector<Command> commands;
    CommandParseError error;
    REQUIRE(parse_commands("rmmod params; lsmod", commands, error));
    CommandRunner runner(std::move(commands));
    std::vector<CommandResult> told;
    runner.set_output_sink([&](const CommandResult& result) { told.push_back(result); });

    REQUIRE(runner.try_next_request(*machine)); // rmmod params, in flight
    REQUIRE(runner.running());
    CHECK(runner.running()->result == 0);
    // init asks again without answering: its system call for rmmod never returned to it.
    REQUIRE(runner.try_next_request(*machine)); // lsmod
    REQUIRE(told.size() == 1);
    CHECK(told[0].command == "rmmod params");
    CHECK_FALSE(told[0].ok);
    CHECK(told[0].error == "no answer: the guest asked for its next request instead (the system call for this command "
                           "never returned to init)");
    REQUIRE(runner.running());
    CHECK(runner.running()->result == 1);

    runner.on_response(*machine, 0, "");
    REQUIRE(told.size() == 2);
    CHECK(told[1].command == "lsmod");
    CHECK(told[1].ok);
    auto const results = runner.results();
    REQUIRE(results.size() == 2);
    CHECK_FALSE(results[0].ok);
    CHECK(results[0].error == told[0].error);
    CHECK(results[1].ok);
    CHECK_FALSE(runner.all_succeeded());
}
