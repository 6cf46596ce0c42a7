// A booted machine driven by commands, in-process: what the integration tests share.
#pragma once

#include <harness/command.h>
#include <harness/command_runner.h>
#include <machine/machine.h>

#include <catch2/catch.hpp>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace lkmemu::testing {

struct Session {
    std::unique_ptr<Machine> machine;
    RunResult stop;
    std::vector<CommandResult> results;

    const CommandResult& result(size_t i) const { return results.at(i); }
    const std::string& console() const { return machine->console_text(); }
};

// Boots the built kernel with `cmdline`, runs `commands` ("cmd; cmd"), returns when it stops.
inline Session run_session(const std::string& commands, const std::string& cmdline = "",
                           std::string kernel = LKMEMU_KERNEL_PATH)
{
    std::vector<Command> parsed;
    CommandParseError error;
    REQUIRE(parse_commands(commands, parsed, error));
    MachineConfig config;
    config.kernel_path = kernel;
    config.cmdline = cmdline;
    auto created = Machine::create(config);
    if (created.is_error())
        FAIL(created.error().message);
    Session session;
    session.machine = created.release_value();
    CommandRunner runner(std::move(parsed));
    runner.set_kernel_path(kernel);
    session.machine->set_harness_host(&runner);
    session.stop = session.machine->run();
    session.results = runner.results();
    return session;
}

// Replaces "[    1.234567]" timestamps with "[TIMESTAMP]" so transcripts can be compared.
inline std::string mask_timestamps(const std::string& text)
{
    std::string out;
    for (size_t i = 0; i < text.size();) {
        if (text[i] == '[') {
            size_t close = text.find(']', i);
            bool stamp = close != std::string::npos && close - i >= 9;
            for (size_t j = i + 1; stamp && j < close; ++j)
                stamp = text[j] == ' ' || text[j] == '.' || (text[j] >= '0' && text[j] <= '9');
            if (stamp) {
                out += "[TIMESTAMP]";
                i = close + 1;
                continue;
            }
        }
        out += text[i++];
    }
    return out;
}

inline bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

// The non-empty lines of a command's text output (/proc/modules, /dev/kmsg, dmesg ...).
inline std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty())
            lines.push_back(line);
    return lines;
}

} // namespace lkmemu::testing
