#include "gdb_runner.h"

#include "gdb/server.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#ifndef LKMEMU_GDB_PATH
#error "LKMEMU_GDB_PATH must name the gdb executable"
#endif

extern char** environ;

namespace lkmemu::gdb::testing {

GdbRun run_gdb(DebugTarget& target, const std::vector<std::string>& commands, GdbOptions options)
{
    auto listening = GdbServer::listen({"127.0.0.1", 0});
    REQUIRE_FALSE(listening.is_error());
    GdbServer server = listening.release_value();
    std::thread serving([&] { (void)server.serve_one(target); });

    std::vector<std::string> args = options.launcher.empty() ? std::vector<std::string> {LKMEMU_GDB_PATH} : options.launcher;
    for (const char* option : {"-nx", "-batch", "-q", "-iex", "set debuginfod enabled off", "-iex", "set auto-load off",
                               "-ex", "set confirm off"})
        args.emplace_back(option);
    args.insert(args.end(), options.gdb_options.begin(), options.gdb_options.end());
    for (const auto& command : commands) {
        args.emplace_back("-ex");
        args.push_back(command);
    }
    for (auto& arg : args) {
        if (auto at = arg.find("PORT"); at != std::string::npos)
            arg.replace(at, 4, std::to_string(server.port()));
    }
    std::vector<char*> argv;
    for (auto& arg : args)
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
    pid_t pid;
    int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    REQUIRE(spawned == 0);

    if (options.interrupt_when) {
        while (!options.interrupt_when())
            std::this_thread::yield();
        ::kill(pid, SIGINT);
    }
    GdbRun run;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(out[0], buffer, sizeof buffer)) > 0)
        run.output.append(buffer, static_cast<size_t>(n));
    ::close(out[0]);
    ::waitpid(pid, &run.status, 0);
    server.shutdown(); // in case gdb never connected
    serving.join();
    return run;
}

} // namespace lkmemu::gdb::testing
