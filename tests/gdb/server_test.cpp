// The TCP side: [HOST:]PORT parsing, acks and no-ack mode, Ctrl-C during 'c', hang-up.
#include "fake_target.h"

#include "gdb/packet.h"
#include "gdb/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <thread>

using namespace lkmemu::gdb;
using lkmemu::gdb::testing::FakeTarget;

namespace {

// A minimal gdb: raw bytes over a socket.
class Client {
public:
    explicit Client(uint16_t port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    ~Client() { ::close(m_fd); }

    void send_raw(std::string_view bytes) { REQUIRE(::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())); }
    void send_packet(std::string_view body) { send_raw(frame_packet(body)); }

    // The next `count` bytes exactly.
    std::string read_bytes(size_t count)
    {
        std::string out;
        while (out.size() < count) {
            char c;
            if (::recv(m_fd, &c, 1, 0) != 1)
                break;
            out += c;
        }
        return out;
    }

    // One whole framed packet (after any acks), as raw text "$...#cs".
    std::string read_packet()
    {
        std::string out;
        char c;
        while (::recv(m_fd, &c, 1, 0) == 1) {
            if (out.empty() && c != '$')
                continue;
            out += c;
            if (out.size() >= 3 && out[out.size() - 3] == '#')
                return out;
        }
        return out;
    }

    void close_now() { ::shutdown(m_fd, SHUT_RDWR); }

private:
    int m_fd = -1;
};

struct Served {
    FakeTarget target;
    GdbServer server;
    std::thread thread;
    bool finished_ok = false;

    explicit Served(GdbServer s) : server(std::move(s))
    {
        thread = std::thread([this] { finished_ok = !server.serve_one(target).is_error(); });
    }
    ~Served()
    {
        if (thread.joinable())
            thread.join();
    }
};

GdbServer listen_any()
{
    auto server = GdbServer::listen({"127.0.0.1", 0});
    REQUIRE_FALSE(server.is_error());
    return server.release_value();
}

} // namespace

TEST_CASE("listen addresses: PORT, HOST:PORT, [IPV6]:PORT", "[gdb][server]")
{
    auto port_only = parse_listen_address("1234");
    REQUIRE_FALSE(port_only.is_error());
    CHECK(port_only.value().host == "127.0.0.1");
    CHECK(port_only.value().port == 1234);

    auto host_port = parse_listen_address("localhost:0");
    REQUIRE_FALSE(host_port.is_error());
    CHECK(host_port.value().host == "localhost");
    CHECK(host_port.value().port == 0);

    auto v6 = parse_listen_address("[::1]:9000");
    REQUIRE_FALSE(v6.is_error());
    CHECK(v6.value().host == "::1");
    CHECK(v6.value().port == 9000);

    for (const char* bad : {"", "65536", "12ab", ":1234", "[::1]1234", "host:"}) {
        auto parsed = parse_listen_address(bad);
        REQUIRE(parsed.is_error());
        CHECK(parsed.error().code == LKM_EINVAL);
        CHECK(std::string(parsed.error().context) == bad);
    }
    CHECK(std::string(parse_listen_address("65536").error().reason) == "port must be a number from 0 to 65535");
}

TEST_CASE("port 0 picks a free port and reports it", "[gdb][server]")
{
    auto server = listen_any();
    CHECK(server.port() != 0);
    CHECK(server.host() == "127.0.0.1");
    // The same port cannot be taken twice.
    auto again = GdbServer::listen({"127.0.0.1", server.port()});
    REQUIRE(again.is_error());
    CHECK(std::string(again.error().reason) == "cannot listen for gdb");
}

TEST_CASE("an unresolvable host is a clear error", "[gdb][server]")
{
    auto server = GdbServer::listen({"no-such-host.invalid", 0});
    REQUIRE(server.is_error());
    CHECK(std::string(server.error().reason) == "cannot resolve the gdb listen host");
}

TEST_CASE("acks, a nack retransmission, then no-ack mode", "[gdb][server]")
{
    Served served(listen_any());
    Client gdb(served.server.port());

    gdb.send_packet("qC");
    CHECK(gdb.read_bytes(1) == "+");
    CHECK(gdb.read_packet() == frame_packet("QC1"));
    gdb.send_raw("-"); // "that reply arrived damaged": the stub sends it again
    CHECK(gdb.read_packet() == frame_packet("QC1"));
    gdb.send_raw("+");

    gdb.send_raw("$qC#00"); // bad checksum
    CHECK(gdb.read_bytes(1) == "-");

    gdb.send_packet("QStartNoAckMode");
    CHECK(gdb.read_bytes(1) == "+");
    CHECK(gdb.read_packet() == frame_packet("OK"));
    gdb.send_raw("+");
    gdb.send_packet("p10");
    // No '+' any more: the reply is the very next byte.
    CHECK(gdb.read_packet() == frame_packet("00000081ffffffff"));
    gdb.send_packet("D");
    CHECK(gdb.read_packet() == frame_packet("OK"));
    served.thread.join();
    CHECK(served.finished_ok);
    CHECK(served.target.detached());
}

TEST_CASE("Ctrl-C stops a running continue with SIGINT", "[gdb][server]")
{
    Served served(listen_any());
    Client gdb(served.server.port());
    gdb.send_packet("QStartNoAckMode");
    gdb.read_bytes(1);
    CHECK(gdb.read_packet() == frame_packet("OK"));

    gdb.send_packet("c"); // the fake loops forever without breakpoints
    while (!served.target.running)
        std::this_thread::yield();
    gdb.send_raw("\x03");
    CHECK(gdb.read_packet() == frame_packet("T02thread:1;"));
    gdb.send_packet("k");
    served.thread.join();
    CHECK(served.finished_ok);
    CHECK(served.target.killed());
}

TEST_CASE("a client that hangs up mid-continue leaves the target detached", "[gdb][server]")
{
    Served served(listen_any());
    {
        Client gdb(served.server.port());
        gdb.send_packet("Z0,ffffffff81000009,1");
        CHECK(gdb.read_bytes(1) == "+");
        CHECK(gdb.read_packet() == frame_packet("OK"));
        gdb.send_packet("z0,ffffffff81000009,1");
        gdb.read_bytes(1);
        gdb.read_packet();
        gdb.send_packet("c");
        CHECK(gdb.read_bytes(1) == "+");
        while (!served.target.running)
            std::this_thread::yield();
    } // closes the socket
    served.thread.join();
    CHECK(served.finished_ok);
    CHECK(served.target.detached());
}

TEST_CASE("shutdown() ends a server waiting for a client", "[gdb][server]")
{
    auto server = listen_any();
    FakeTarget target;
    // Before or during the wait, it makes no difference: the wait ends with an error.
    std::thread stopper([&] { server.shutdown(); });
    auto result = server.serve_one(target);
    stopper.join();
    REQUIRE(result.is_error());
    CHECK(std::string(result.error().reason) == "gdb server stopped waiting for a client");
}

TEST_CASE("accept_client on one thread, serve on another", "[gdb][server]")
{
    auto server = listen_any();
    FakeTarget target;
    std::optional<UniqueFd> accepted; // Catch2 assertions stay on the test's own thread
    std::thread acceptor([&] {
        auto client = server.accept_client();
        if (!client.is_error())
            accepted = client.release_value();
    });
    Client gdb(server.port());
    acceptor.join();
    REQUIRE(accepted);
    bool served_ok = false;
    std::thread serving([&] { served_ok = !server.serve(std::move(*accepted), target).is_error(); });
    gdb.send_packet("?");
    CHECK(gdb.read_bytes(1) == "+");
    CHECK(gdb.read_packet() == frame_packet("T05thread:1;"));
    gdb.send_packet("D");
    gdb.read_bytes(1);
    CHECK(gdb.read_packet() == frame_packet("OK"));
    serving.join();
    CHECK(served_ok);
    CHECK(target.detached());
}
