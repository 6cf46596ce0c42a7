// The TCP side of `lkmemu run --gdb [HOST:]PORT`: listens (loopback by default), takes one
// client at a time, and runs a GdbSession for it over a GdbConnection.
#pragma once

#include "gdb/debug_target.h"
#include "gdb/session.h"
#include "gdb/unique_fd.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace lkmemu::gdb {

struct ListenAddress {
    std::string host = "127.0.0.1";
    uint16_t port = 0; // 0: the system picks a free port; GdbServer::port() says which
};

// "PORT" or "HOST:PORT" (HOST a name or IPv4 address, "[::1]:PORT" for IPv6).
lkm::ErrorOr<ListenAddress> parse_listen_address(std::string_view text);

class GdbServer {
public:
    static lkm::ErrorOr<GdbServer> listen(const ListenAddress& address);

    const std::string& host() const { return m_host; }
    uint16_t port() const { return m_port; }

    // Waits for a client and serves it: accept_client() then serve().
    lkm::ErrorOr<void> serve_one(DebugTarget& target, const GdbSession::Log& log = {});

    // Waits for a client. Split from serve() so that one thread can wait for gdb while the
    // machine runs on another, which then serves the client itself (the machine's engine is
    // only ever touched from its own thread).
    lkm::ErrorOr<UniqueFd> accept_client();

    // Serves one client until it detaches ('D'), kills ('k') or hangs up (the target is then
    // detached, and runs on). Errors are the server's own (the target could not attach).
    lkm::ErrorOr<void> serve(UniqueFd client, DebugTarget& target, const GdbSession::Log& log = {});

    // Thread-safe: makes a waiting accept_client() return an error (for the machine's exit).
    void shutdown();

private:
    GdbServer(UniqueFd listener, std::string host, uint16_t port)
        : m_listener(std::move(listener)), m_host(std::move(host)), m_port(port)
    {
    }

    UniqueFd m_listener;
    std::string m_host;
    uint16_t m_port;
};

} // namespace lkmemu::gdb
