#include "gdb/packet.h"

#include <fmt/format.h>

namespace lkmemu::gdb {

namespace {

std::optional<uint8_t> hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f')
        return static_cast<uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return static_cast<uint8_t>(c - 'A' + 10);
    return std::nullopt;
}

constexpr bool needs_escape(uint8_t byte) { return byte == '#' || byte == '$' || byte == '}' || byte == '*'; }

} // namespace

uint8_t packet_checksum(std::string_view body)
{
    uint8_t sum = 0;
    for (char c : body)
        sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
    return sum;
}

std::string frame_packet(std::string_view body) { return fmt::format("${}#{:02x}", body, packet_checksum(body)); }

std::string escape_binary(std::span<const uint8_t> data)
{
    std::string out;
    out.reserve(data.size());
    for (uint8_t byte : data) {
        if (needs_escape(byte)) {
            out += '}';
            out += static_cast<char>(byte ^ 0x20);
        } else {
            out += static_cast<char>(byte);
        }
    }
    return out;
}

std::optional<std::vector<uint8_t>> unescape_binary(std::string_view escaped)
{
    std::vector<uint8_t> out;
    out.reserve(escaped.size());
    for (size_t i = 0; i < escaped.size(); ++i) {
        if (escaped[i] != '}') {
            out.push_back(static_cast<uint8_t>(escaped[i]));
            continue;
        }
        if (++i == escaped.size())
            return std::nullopt; // an escape with nothing after it
        out.push_back(static_cast<uint8_t>(escaped[i]) ^ 0x20);
    }
    return out;
}

std::string to_hex(std::span<const uint8_t> data)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (uint8_t byte : data) {
        out += digits[byte >> 4];
        out += digits[byte & 0xf];
    }
    return out;
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view hex)
{
    if (hex.size() % 2 != 0)
        return std::nullopt;
    std::vector<uint8_t> out(hex.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        auto high = hex_digit(hex[2 * i]);
        auto low = hex_digit(hex[2 * i + 1]);
        if (!high || !low)
            return std::nullopt;
        out[i] = static_cast<uint8_t>(*high << 4 | *low);
    }
    return out;
}

std::optional<uint64_t> parse_hex_number(std::string_view hex)
{
    if (hex.empty() || hex.size() > 16)
        return std::nullopt;
    uint64_t value = 0;
    for (char c : hex) {
        auto digit = hex_digit(c);
        if (!digit)
            return std::nullopt;
        value = value << 4 | *digit;
    }
    return value;
}

std::optional<Frame> PacketReader::feed(char byte)
{
    switch (m_state) {
    case State::Idle:
        if (byte == '$') {
            m_body.clear();
            m_overflow = false;
            m_state = State::Body;
        } else if (byte == '\x03') {
            return Frame {FrameKind::Interrupt, {}};
        } else if (byte == '+') {
            return Frame {FrameKind::Ack, {}};
        } else if (byte == '-') {
            return Frame {FrameKind::Nack, {}};
        }
        return std::nullopt;
    case State::Body:
        if (byte == '#')
            m_state = State::Checksum1;
        else if (m_body.size() < max_packet_size)
            m_body += byte;
        else
            m_overflow = true;
        return std::nullopt;
    case State::Checksum1:
        m_checksum_high = byte;
        m_state = State::Checksum2;
        return std::nullopt;
    case State::Checksum2: {
        m_state = State::Idle;
        if (m_overflow)
            return Frame {FrameKind::TooLong, {}};
        auto high = hex_digit(m_checksum_high);
        auto low = hex_digit(byte);
        if (!high || !low || static_cast<uint8_t>(*high << 4 | *low) != packet_checksum(m_body))
            return Frame {FrameKind::BadChecksum, {}};
        return Frame {FrameKind::Packet, std::move(m_body)};
    }
    }
    return std::nullopt;
}

} // namespace lkmemu::gdb
