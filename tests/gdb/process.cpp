#include "process.h"

#include "child_process.h"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace lkmemu::testing {

namespace {

// The exit status, or -1 if it did not exit normally.
int wait_for(pid_t pid)
{
    int status = wait_child(pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv)
{
    ChildProcess child = spawn_child(argv);
    ProcessResult result;
    drain_output(child.output, result.output);
    result.status = wait_for(child.pid);
    return result;
}

GdbSessionRun run_lkmemu_with_gdb(const std::vector<std::string>& lkmemu_args, const std::vector<std::string>& gdb_commands)
{
    std::vector<std::string> args {LKMEMU_BINARY_PATH};
    args.insert(args.end(), lkmemu_args.begin(), lkmemu_args.end());
    ChildProcess lkmemu = spawn_child(args);

    // Read up to the line that names the port.
    GdbSessionRun run;
    const std::string marker = "gdb: listening on ";
    std::string port;
    char c;
    while (::read(lkmemu.output, &c, 1) == 1) {
        run.lkmemu.output.push_back(c);
        if (c != '\n')
            continue;
        auto at = run.lkmemu.output.rfind(marker);
        if (at != std::string::npos) {
            std::string line = run.lkmemu.output.substr(at + marker.size());
            port = line.substr(line.rfind(':') + 1);
            port.pop_back(); // the newline
            break;
        }
    }
    // The rest of its output is collected while gdb runs (a full pipe would stop the machine).
    std::thread collect([&] { drain_output(lkmemu.output, run.lkmemu.output); });
    if (!port.empty()) {
        std::vector<std::string> gdb {LKMEMU_GDB_PATH, "-nx", "-batch", "-q", "-iex", "set debuginfod enabled off",
                                      "-iex", "set auto-load off", "-ex", "set confirm off", "-ex", "set pagination off"};
        for (std::string command : gdb_commands) {
            if (auto at = command.find("PORT"); at != std::string::npos)
                command.replace(at, 4, port);
            gdb.push_back("-ex");
            gdb.push_back(command);
        }
        gdb.push_back(LKMEMU_KERNEL_PATH);
        run.gdb = run_process(gdb);
    }
    run.lkmemu.status = wait_for(lkmemu.pid);
    collect.join();
    REQUIRE_FALSE(port.empty());
    return run;
}

} // namespace lkmemu::testing
