// One client's socket: framing, acknowledgements, retransmission on '-', and Ctrl-C. A reader
// thread owns the receiving side, so gdb's interrupt byte is seen while the session thread is
// inside DebugTarget::resume().
#pragma once

#include "gdb/packet.h"
#include "gdb/unique_fd.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace lkmemu::gdb {

class GdbConnection {
public:
    // `on_interrupt` runs on the reader thread for each Ctrl-C, and once when the client hangs
    // up (so a running target stops and the session can end).
    GdbConnection(UniqueFd socket, std::function<void()> on_interrupt);
    ~GdbConnection();
    GdbConnection(const GdbConnection&) = delete;
    GdbConnection& operator=(const GdbConnection&) = delete;

    // The next packet body; nothing once the client has gone.
    std::optional<std::string> receive();

    // Frames and sends a reply body; false when the client has gone.
    bool send(std::string_view body);

    // From now on neither side acknowledges (after the reply to QStartNoAckMode is sent).
    void start_no_ack_mode() { m_ack_mode = false; }

private:
    void read_loop();
    bool write_all(std::string_view bytes);

    UniqueFd m_socket;
    std::function<void()> m_on_interrupt;
    std::atomic<bool> m_ack_mode {true};
    std::atomic<bool> m_closing {false}; // we are closing: the hang-up is ours, not the client's

    std::mutex m_write_mutex;    // guards the socket's sending side and m_last_sent
    std::string m_last_sent;     // for retransmission on '-'

    std::mutex m_queue_mutex;
    std::condition_variable m_queue_changed;
    std::deque<std::string> m_packets;
    bool m_closed = false;

    std::thread m_reader;
};

} // namespace lkmemu::gdb
