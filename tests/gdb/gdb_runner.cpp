#include "gdb_runner.h"

#include "gdb/server.h"

#include "child_process.h"

#include <catch2/catch.hpp>

#include <signal.h>

#include <thread>

#ifndef LKMEMU_GDB_PATH
#error "LKMEMU_GDB_PATH must name the gdb executable"
#endif

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
    lkmemu::testing::ChildProcess gdb = lkmemu::testing::spawn_child(args);

    if (options.interrupt_when) {
        while (!options.interrupt_when())
            std::this_thread::yield();
        ::kill(gdb.pid, SIGINT);
    }
    GdbRun run;
    lkmemu::testing::drain_output(gdb.output, run.output);
    run.status = lkmemu::testing::wait_child(gdb.pid);
    server.shutdown(); // in case gdb never connected
    serving.join();
    return run;
}

} // namespace lkmemu::gdb::testing
