// The remote protocol's framing: $body#cs packets, +/- acknowledgements, the 0x03 interrupt
// byte, and the hex and binary encodings used inside bodies. No I/O here: a PacketReader is
// fed bytes and says what they made. Run-length encoding is never sent (it is optional).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu::gdb {

// The largest body the stub accepts; announced to gdb as PacketSize in qSupported.
inline constexpr size_t max_packet_size = 0x4000;

uint8_t packet_checksum(std::string_view body);

// "$" body "#" two hex digits. `body` must already be escaped where binary.
std::string frame_packet(std::string_view body);

// Binary data with '#', '$', '}' and '*' written as '}' followed by the byte xor 0x20.
std::string escape_binary(std::span<const uint8_t> data);
std::optional<std::vector<uint8_t>> unescape_binary(std::string_view escaped);

std::string to_hex(std::span<const uint8_t> data);
std::optional<std::vector<uint8_t>> from_hex(std::string_view hex);
// A whole string of hex digits (at most 16) as a number.
std::optional<uint64_t> parse_hex_number(std::string_view hex);

enum class FrameKind : uint8_t {
    Packet,      // a body whose checksum matched
    BadChecksum, // a body whose checksum did not match (answer '-' in ack mode)
    TooLong,     // a body past max_packet_size, dropped (answer '-' in ack mode)
    Interrupt,   // the 0x03 byte outside a packet: gdb's Ctrl-C
    Ack,         // '+'
    Nack,        // '-': resend the last packet
};

struct Frame {
    FrameKind kind;
    std::string body; // Packet only
};

class PacketReader {
public:
    // Consumes one byte; returns a frame when that byte completes one. Bytes between packets
    // other than '+', '-', 0x03 are noise and ignored, as gdb's own stubs do.
    std::optional<Frame> feed(char byte);

private:
    enum class State : uint8_t { Idle, Body, Checksum1, Checksum2 };
    State m_state = State::Idle;
    std::string m_body;
    bool m_overflow = false;
    char m_checksum_high = 0;
};

} // namespace lkmemu::gdb
