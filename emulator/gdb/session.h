// One gdb client's conversation with a DebugTarget: packet bodies in, reply bodies out. No
// sockets here (server.h carries the bytes), so every packet can be tested in-process.
#pragma once

#include "gdb/debug_target.h"
#include "gdb/protocol_error.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lkmemu::gdb {

enum class SessionEffect : uint8_t {
    None,
    StartNoAckMode, // send this reply with an ack, then stop acknowledging
    End,            // the client detached or killed the target: close the connection
};

struct Response {
    std::optional<std::string> reply; // nothing for packets that get no reply ('k')
    SessionEffect effect = SessionEffect::None;
};

class GdbSession {
public:
    // Gets a line for each protocol error and target error, for the user's log.
    using Log = std::function<void(std::string_view)>;

    explicit GdbSession(DebugTarget& target, Log log = {});

    // Stops the target and records where it stands, for the client's first '?'.
    lkm::ErrorOr<void> attach();

    // One packet body (unframed, unescaped except inside binary fields).
    Response handle(std::string_view packet);

    const StopEvent& last_stop() const { return m_last_stop; }

private:
    Response handle_query(std::string_view packet);          // q...
    Response handle_set(std::string_view packet);            // Q...
    Response handle_v(std::string_view packet);              // v...
    std::string read_registers();                            // g
    std::string write_registers(std::string_view packet);    // G
    std::string read_register(std::string_view packet);     // p
    std::string write_register(std::string_view packet);    // P
    std::string read_memory(std::string_view packet);       // m
    std::string write_memory(std::string_view packet);      // M and X
    std::string change_breakpoint(std::string_view packet); // Z and z
    std::string resume_at(std::string_view address, ResumeMode mode); // c s C S
    std::string resume(ResumeMode mode);                    // c s C S vCont
    std::string read_feature(std::string_view args);        // qXfer:features:read

    std::string stop_reply(const StopEvent& stop) const;
    // Logs the packet being handled (m_packet) with the error; returns the "E.." reply.
    std::string protocol_error(ProtocolError error);
    std::string target_error(const lkm::Error& error, std::string_view what);

    DebugTarget& m_target;
    Log m_log;
    StopEvent m_last_stop;
    std::string_view m_packet; // the packet handle() is answering, for error logs
};

} // namespace lkmemu::gdb
