#include "gdb/connection.h"

#include <sys/socket.h>

#include <cerrno>

namespace lkmemu::gdb {

GdbConnection::GdbConnection(UniqueFd socket, std::function<void()> on_interrupt)
    : m_socket(std::move(socket)), m_on_interrupt(std::move(on_interrupt)), m_reader([this] { read_loop(); })
{
}

GdbConnection::~GdbConnection()
{
    // Wakes the reader's recv() with end-of-file; the descriptor closes after the join. The
    // session is over, so that end-of-file must not interrupt the target.
    m_closing = true;
    ::shutdown(m_socket.get(), SHUT_RDWR);
    m_reader.join();
}

std::optional<std::string> GdbConnection::receive()
{
    std::unique_lock lock(m_queue_mutex);
    m_queue_changed.wait(lock, [this] { return !m_packets.empty() || m_closed; });
    if (m_packets.empty())
        return std::nullopt;
    std::string packet = std::move(m_packets.front());
    m_packets.pop_front();
    return packet;
}

bool GdbConnection::send(std::string_view body)
{
    std::lock_guard lock(m_write_mutex);
    m_last_sent = frame_packet(body);
    return write_all(m_last_sent);
}

bool GdbConnection::write_all(std::string_view bytes)
{
    while (!bytes.empty()) {
        ssize_t n = ::send(m_socket.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

void GdbConnection::read_loop()
{
    PacketReader reader;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::recv(m_socket.get(), buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; ++i) {
            auto frame = reader.feed(buffer[i]);
            if (!frame)
                continue;
            switch (frame->kind) {
            case FrameKind::Packet: {
                if (m_ack_mode) {
                    std::lock_guard lock(m_write_mutex);
                    write_all("+");
                }
                std::lock_guard lock(m_queue_mutex);
                m_packets.push_back(std::move(frame->body));
                m_queue_changed.notify_one();
                break;
            }
            case FrameKind::BadChecksum:
            case FrameKind::TooLong:
                if (m_ack_mode) {
                    std::lock_guard lock(m_write_mutex);
                    write_all("-");
                }
                break;
            case FrameKind::Interrupt:
                m_on_interrupt();
                break;
            case FrameKind::Nack: {
                std::lock_guard lock(m_write_mutex);
                if (!m_last_sent.empty())
                    write_all(m_last_sent);
                break;
            }
            case FrameKind::Ack:
                break;
            }
        }
    }
    {
        std::lock_guard lock(m_queue_mutex);
        m_closed = true;
        m_queue_changed.notify_all();
    }
    if (!m_closing)
        m_on_interrupt();
}

} // namespace lkmemu::gdb
