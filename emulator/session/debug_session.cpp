#include "debug_session.h"

#include <harness/kernel_symbols.h>
#include <trace/trace_filter.h>

#include <fmt/format.h>

#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

namespace lkmemu::session {

std::string describe(const lkm::Error& error)
{
    if (error.context[0])
        return fmt::format("{}: {}", error.reason, error.context);
    return error.reason;
}

lkm::ErrorOr<std::unique_ptr<DebugSession>> DebugSession::start(const DebugOptions& options, Machine& machine,
                                                                const std::string& kernel_path,
                                                                trace::MachineSymbolizer::ModuleFileFinder find_module_file,
                                                                LogSink log)
{
    if (!log)
        log = [](std::string_view) {};
    std::unique_ptr<DebugSession> session(new DebugSession(machine, std::move(log)));
    if (options.trace) {
        trace::TraceFilter filter;
        if (options.trace_filter)
            filter = TRY(trace::parse_trace_filter(*options.trace_filter));
        session->m_symbolizer = std::make_unique<trace::MachineSymbolizer>(machine, KernelSymbols::read(kernel_path),
                                                                           std::move(find_module_file));
        trace::MachineSymbolizer* symbolizer = session->m_symbolizer.get();
        session->m_tracer.emplace(TRY(trace::Tracer::open_file(
            *options.trace, filter, [symbolizer](uint64_t address) { return symbolizer->symbolize(address); })));
        session->m_observer = std::make_unique<trace::TraceObserver>(*session->m_tracer, machine);
        if (auto installed = machine.set_execution_observer(session->m_observer.get(), filter.hook_first(), filter.hook_last());
            installed.is_error()) {
            auto error = lkm::Error::from_errno(LKM_EIO, "cannot install the tracer");
            std::snprintf(error.context, sizeof error.context, "%s", installed.error().message.c_str());
            return error;
        }
    }
    if (options.gdb) {
        auto address = TRY(gdb::parse_listen_address(*options.gdb));
        session->m_server.emplace(TRY(gdb::GdbServer::listen(address)));
        session->m_wait = options.gdb_wait;
        // Scripts read the port from this line when they asked for port 0.
        session->m_log(fmt::format("gdb: listening on {}:{}", session->m_server->host(), session->m_server->port()));
    }
    return session;
}

DebugSession::~DebugSession()
{
    stop_accepting();
    if (m_observer)
        (void)m_machine.set_execution_observer(nullptr);
}

void DebugSession::start_accepting()
{
    m_acceptor = std::thread([this] {
        for (;;) {
            auto client = m_server->accept_client();
            if (client.is_error())
                return; // shut down (the run ended)
            {
                std::lock_guard lock(m_mutex);
                m_pending_client = client.release_value();
            }
            // The machine's thread takes the client when run() returns Stopped.
            m_machine.request_stop();
            // One client at a time: the next accept waits until this one has been taken.
            std::unique_lock lock(m_mutex);
            m_client_taken.wait(lock, [this] { return !m_pending_client || m_stop_accepting; });
            if (m_stop_accepting)
                return;
        }
    });
}

void DebugSession::stop_accepting()
{
    if (!m_acceptor.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stop_accepting = true;
    }
    m_client_taken.notify_all();
    m_server->shutdown();
    m_acceptor.join();
    m_pending_client.reset();
}

bool DebugSession::serve(gdb::UniqueFd client)
{
    gdb::UniqueFd served_fd(::dup(client.get()));
    {
        std::lock_guard lock(m_mutex);
        m_serving = std::move(client);
        if (m_interrupted)
            ::shutdown(m_serving.get(), SHUT_RDWR);
    }
    if (!served_fd.valid())
        m_log("gdb: cannot serve the client: out of file descriptors");
    else if (auto served = m_server->serve(std::move(served_fd), m_target, m_log); served.is_error())
        m_log(fmt::format("gdb: {}", describe(served.error())));
    {
        std::lock_guard lock(m_mutex);
        m_serving.reset();
    }
    return !m_target.kill_requested();
}

void DebugSession::interrupt()
{
    m_interrupted = true;
    if (m_server) {
        std::lock_guard lock(m_mutex);
        m_server->shutdown(); // a waiting accept returns
        if (m_serving.valid())
            ::shutdown(m_serving.get(), SHUT_RDWR); // gdb's connection ends: the client hangs up
    }
    m_machine.request_stop();
}

RunResult DebugSession::run()
{
    const RunResult killed {StopReason::Stopped, 0, "killed by gdb"};
    const RunResult interrupted {StopReason::Stopped, 0, "interrupted"};
    if (!m_server)
        return m_machine.run();

    if (m_wait) {
        m_log("gdb: waiting for gdb to connect before the first instruction");
        auto client = m_server->accept_client();
        if (m_interrupted)
            return interrupted;
        if (client.is_error())
            m_log(fmt::format("gdb: {}; running without it", describe(client.error())));
        else if (!serve(client.release_value()))
            return killed;
    }
    if (m_interrupted)
        return interrupted;
    start_accepting();
    for (;;) {
        RunResult result = m_machine.run();
        if (m_interrupted) {
            stop_accepting();
            return interrupted;
        }
        bool const resumable = result.reason == StopReason::Stopped || result.reason == StopReason::Breakpoint
                               || result.reason == StopReason::Watchpoint || result.reason == StopReason::Step;
        if (!resumable) {
            stop_accepting();
            return result;
        }
        std::optional<gdb::UniqueFd> client;
        {
            std::lock_guard lock(m_mutex);
            client.swap(m_pending_client);
        }
        m_client_taken.notify_all();
        // No client: a stop request that a detached gdb left behind (a Ctrl-C that raced the
        // stop), or a breakpoint hook not yet flushed away; nobody is watching, so run on.
        if (client && !serve(std::move(*client))) {
            stop_accepting();
            return killed;
        }
        if (m_interrupted) {
            stop_accepting();
            return interrupted;
        }
    }
}

} // namespace lkmemu::session
