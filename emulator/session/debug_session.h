// The debugging side of a session: `--gdb [HOST:]PORT [--gdb-wait]` and `--trace FILE
// [--trace-filter F]` (docs/debugging.md). DebugSession::run() takes the place of Machine::run():
// it runs the machine on the calling thread and serves gdb clients there too, so the engine is
// only ever touched from one thread; a second thread only waits for clients to connect.
#pragma once

#include "debug_options.h"

#include <gdb/machine_target.h>
#include <gdb/server.h>
#include <machine/machine.h>
#include <trace/machine_observer.h>
#include <trace/machine_symbolizer.h>
#include <trace/tracer.h>

#include <loader/error_or.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace lkmemu::session {

// "reason: context", as every lkmemu error prints.
std::string describe(const lkm::Error& error);

class DebugSession {
public:
    // Opens the trace file and installs the tracer (none without --trace: no per-instruction
    // hook), and listens for gdb (logging "gdb: listening on HOST:PORT", which scripts that
    // asked for port 0 read). `find_module_file` names a module's .ko on the host, for the
    // tracer's module symbols.
    static lkm::ErrorOr<std::unique_ptr<DebugSession>> start(const DebugOptions& options, Machine& machine,
                                                             const std::string& kernel_path,
                                                             trace::MachineSymbolizer::ModuleFileFinder find_module_file,
                                                             LogSink log);
    ~DebugSession();
    DebugSession(const DebugSession&) = delete;
    DebugSession& operator=(const DebugSession&) = delete;

    // Machine::run(), serving every gdb client that connects until the machine ends (or gdb
    // kills it: then the result is Stopped, "killed by gdb"; or interrupt() ends it: Stopped,
    // "interrupted").
    RunResult run();
    // Thread-safe (a signal watcher's): ends run() — a wait for gdb to connect, a connected
    // gdb (its connection is shut down) and a running machine alike.
    void interrupt();

private:
    DebugSession(Machine& machine, LogSink log) : m_machine(machine), m_target(machine), m_log(std::move(log)) {}
    void start_accepting();
    void stop_accepting();
    // Serves one client on this (the machine's) thread; false if gdb killed the machine.
    bool serve(gdb::UniqueFd client);

    Machine& m_machine;
    gdb::MachineDebugTarget m_target; // one for the whole run: it remembers how the machine ended
    LogSink m_log;
    std::optional<gdb::GdbServer> m_server;
    bool m_wait = false;
    std::thread m_acceptor;
    std::mutex m_mutex;
    std::optional<gdb::UniqueFd> m_pending_client; // accepted, waiting for the machine to stop
    std::condition_variable m_client_taken;
    bool m_stop_accepting = false;
    gdb::UniqueFd m_serving; // the client being served (serve() works on a duplicate), for interrupt()
    std::atomic<bool> m_interrupted {false};

    std::unique_ptr<trace::MachineSymbolizer> m_symbolizer;
    std::optional<trace::Tracer> m_tracer;
    std::unique_ptr<trace::TraceObserver> m_observer;
};

} // namespace lkmemu::session
