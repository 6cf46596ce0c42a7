// Errors in what gdb sent, as opposed to target errors (lkm::Error from a DebugTarget). A
// protocol error is answered "E01".."E03" and logged; the session goes on either way.
#pragma once

#include <cstdint>
#include <string_view>

namespace lkmemu::gdb {

enum class ProtocolError : uint8_t {
    Malformed = 1,       // a packet whose fields do not parse (bad hex, missing ',' or ':')
    BadRegister = 2,     // a register number past the target description
    BadLength = 3,       // a length that disagrees with the data or exceeds PacketSize
};

constexpr std::string_view protocol_error_name(ProtocolError error)
{
    switch (error) {
    case ProtocolError::Malformed: return "malformed packet";
    case ProtocolError::BadRegister: return "no such register";
    case ProtocolError::BadLength: return "bad length";
    }
    return "protocol error";
}

} // namespace lkmemu::gdb
