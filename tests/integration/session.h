// A booted machine driven by commands, in-process: what the integration tests share. Sessions
// are the emulator's own (emulator/session/): the same code `lkmemu run` runs.
#pragma once

#include <harness/command.h>
#include <harness/command_runner.h>
#include <machine/machine.h>
#include <session/session.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>
#include <sys/wait.h>

namespace lkmemu::testing {

// Session::create, or the test fails with the reason.
inline std::unique_ptr<session::Session> create_session(session::SessionOptions options)
{
    auto created = session::Session::create(std::move(options));
    if (created.is_error())
        FAIL(created.error().message);
    return created.release_value();
}

struct Session {
    std::unique_ptr<session::Session> owner; // holds the machine
    Machine* machine = nullptr;
    RunResult stop;
    std::vector<CommandResult> results;

    const CommandResult& result(size_t i) const { return results.at(i); }
    const std::string& console() const { return machine->console_text(); }
};

// Runs a session with `options` until the machine stops.
inline Session run_session(session::SessionOptions options)
{
    Session s;
    s.owner = create_session(std::move(options));
    s.machine = &s.owner->machine();
    session::Summary summary = s.owner->run();
    s.stop = summary.stop;
    s.results = std::move(summary.commands);
    return s;
}

// Boots the built kernel with `cmdline`, runs `commands` ("cmd; cmd"), returns when it stops.
inline Session run_session(const std::string& commands, const std::string& cmdline = "",
                           std::string kernel = LKMEMU_KERNEL_PATH)
{
    session::SessionOptions options;
    options.kernel_path = std::move(kernel);
    options.cmdline = cmdline;
    options.commands = commands;
    return run_session(std::move(options));
}

// The lkmemu binary run through the shell with `arguments` (stdin from /dev/null), for what only
// the command line decides: its exit status and what it prints.
struct CliOutcome {
    int status = -1;    // the exit status; -1 if it did not exit
    std::string output; // standard output, and standard error too unless `merge_stderr` is false
};

// A shell command line (its redirections its own): exit status and standard output.
inline CliOutcome run_shell(const std::string& command)
{
    CliOutcome outcome;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 4096> buffer;
    size_t n;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        outcome.output.append(buffer.data(), n);
    int status = pclose(pipe);
    outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return outcome;
}

inline CliOutcome run_lkmemu(const std::string& arguments, bool merge_stderr = true)
{
    return run_shell(std::string(LKMEMU_BINARY_PATH) + " " + arguments + (merge_stderr ? " 2>&1" : " 2>/dev/null")
                     + " </dev/null");
}

// A file's bytes (a module image to patch, a JSON summary).
inline std::string read_bytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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

// An init_test self-test's lines (user/selftest_*.cpp write "PREFIX: ..." to /dev/kmsg), in
// order, from where the prefix starts: without the "[time] " dmesg gives.
inline std::vector<std::string> selftest_lines(const std::string& dmesg, const std::string& prefix)
{
    std::vector<std::string> out;
    for (const std::string& line : lines_of(dmesg)) {
        size_t at = line.find(prefix);
        if (at != std::string::npos)
            out.push_back(line.substr(at));
    }
    return out;
}

} // namespace lkmemu::testing
