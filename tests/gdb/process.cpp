#include "process.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

extern char** environ;

namespace lkmemu::testing {

namespace {

struct Child {
    pid_t pid = -1;
    int output = -1; // read end of its stdout+stderr
};

Child spawn(const std::vector<std::string>& args)
{
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& arg : copy)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    Child child;
    int spawned = posix_spawn(&child.pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (spawned != 0)
        ::close(out[0]);
    REQUIRE(spawned == 0);
    child.output = out[0];
    return child;
}

int wait_for(pid_t pid)
{
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void drain(int fd, std::string& into)
{
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
        into.append(buffer, static_cast<size_t>(n));
    ::close(fd);
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv)
{
    Child child = spawn(argv);
    ProcessResult result;
    drain(child.output, result.output);
    result.status = wait_for(child.pid);
    return result;
}

GdbSessionRun run_lkmemu_with_gdb(const std::vector<std::string>& lkmemu_args, const std::vector<std::string>& gdb_commands)
{
    std::vector<std::string> args {LKMEMU_BINARY_PATH};
    args.insert(args.end(), lkmemu_args.begin(), lkmemu_args.end());
    Child lkmemu = spawn(args);

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
    std::thread collect([&] { drain(lkmemu.output, run.lkmemu.output); });
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
