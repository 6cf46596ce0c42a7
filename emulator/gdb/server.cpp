#include "gdb/server.h"

#include "gdb/connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

namespace lkmemu::gdb {

namespace {

lkm::Error make_error(int code, const char* reason, std::string_view context)
{
    auto error = lkm::Error::from_errno(code, reason);
    auto length = std::min(context.size(), sizeof error.context - 1);
    std::memcpy(error.context, context.data(), length);
    error.context[length] = '\0';
    return error;
}

struct AddrinfoDeleter {
    void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

} // namespace

lkm::ErrorOr<ListenAddress> parse_listen_address(std::string_view text)
{
    ListenAddress address;
    std::string_view port = text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find("]:");
        if (close == std::string_view::npos)
            return make_error(LKM_EINVAL, "expected [IPV6]:PORT", text);
        address.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
        address.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    if (address.host.empty())
        return make_error(LKM_EINVAL, "empty host in [HOST:]PORT", text);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc {} || end != port.data() + port.size() || value > 65535)
        return make_error(LKM_EINVAL, "port must be a number from 0 to 65535", text);
    address.port = static_cast<uint16_t>(value);
    return address;
}

lkm::ErrorOr<GdbServer> GdbServer::listen(const ListenAddress& address)
{
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    auto port_text = std::to_string(address.port);
    if (int rc = getaddrinfo(address.host.c_str(), port_text.c_str(), &hints, &found); rc != 0)
        return make_error(LKM_EINVAL, "cannot resolve the gdb listen host",
                          fmt::format("{}: {}", address.host, gai_strerror(rc)));
    std::unique_ptr<addrinfo, AddrinfoDeleter> results(found);

    int last_errno = 0;
    for (addrinfo* candidate = results.get(); candidate; candidate = candidate->ai_next) {
        UniqueFd listener(::socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC, candidate->ai_protocol));
        if (!listener.valid()) {
            last_errno = errno;
            continue;
        }
        int one = 1;
        ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(listener.get(), candidate->ai_addr, candidate->ai_addrlen) != 0 || ::listen(listener.get(), 1) != 0) {
            last_errno = errno;
            continue;
        }
        sockaddr_storage bound {};
        socklen_t length = sizeof bound;
        if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
            last_errno = errno;
            continue;
        }
        uint16_t port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                    : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
        return GdbServer(std::move(listener), address.host, port);
    }
    return make_error(last_errno ? last_errno : LKM_EINVAL, "cannot listen for gdb",
                      fmt::format("{}:{}: {}", address.host, address.port, std::strerror(last_errno)));
}

lkm::ErrorOr<void> GdbServer::serve_one(DebugTarget& target, const GdbSession::Log& log)
{
    auto client = TRY(accept_client());
    return serve(std::move(client), target, log);
}

lkm::ErrorOr<UniqueFd> GdbServer::accept_client()
{
    for (;;) {
        UniqueFd client(::accept4(m_listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (client.valid())
            return client;
        if (errno != EINTR)
            return make_error(errno, "gdb server stopped waiting for a client", std::strerror(errno));
    }
}

lkm::ErrorOr<void> GdbServer::serve(UniqueFd client, DebugTarget& target, const GdbSession::Log& log)
{
    int one = 1;
    // Replies are small and latency is what a person at gdb feels.
    ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (log)
        log(fmt::format("gdb: client connected on {}:{}", m_host, m_port));

    GdbSession session(target, log);
    TRY(session.attach());
    GdbConnection connection(std::move(client), [&target] { target.interrupt(); });
    for (;;) {
        auto packet = connection.receive();
        if (!packet) {
            if (log)
                log("gdb: client hung up; the machine runs on");
            target.detach();
            return {};
        }
        Response response = session.handle(*packet);
        if (response.effect == SessionEffect::StartNoAckMode)
            connection.start_no_ack_mode();
        if (response.reply)
            connection.send(*response.reply);
        if (response.effect == SessionEffect::End)
            return {};
    }
}

void GdbServer::shutdown() { ::shutdown(m_listener.get(), SHUT_RDWR); }

} // namespace lkmemu::gdb
