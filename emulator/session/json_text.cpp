#include "json_text.h"

#include <algorithm>
#include <cstdint>

namespace lkmemu::session {

namespace {

// The length of the well-formed UTF-8 sequence starting at bytes[at], or 0 if none starts there.
size_t sequence_length(std::string_view bytes, size_t at)
{
    auto byte = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
    uint8_t const lead = byte(at);
    if (lead < 0x80)
        return 1;
    size_t length;
    uint8_t low = 0x80, high = 0xbf; // the range of the second byte (table 3-7)
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0)
            low = 0xa0; // no overlong three-byte forms
        else if (lead == 0xed)
            high = 0x9f; // no surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0)
            low = 0x90; // no overlong four-byte forms
        else if (lead == 0xf4)
            high = 0x8f; // nothing past U+10FFFF
    } else {
        return 0; // a continuation byte, an overlong lead (C0, C1) or F5..FF
    }
    if (bytes.size() - at < length)
        return 0;
    if (byte(at + 1) < low || byte(at + 1) > high)
        return 0;
    for (size_t i = 2; i < length; ++i)
        if (byte(at + i) < 0x80 || byte(at + i) > 0xbf)
            return 0;
    return length;
}

} // namespace

bool is_valid_utf8(std::string_view bytes)
{
    for (size_t at = 0; at < bytes.size();) {
        size_t const length = sequence_length(bytes, at);
        if (length == 0)
            return false;
        at += length;
    }
    return true;
}

std::string valid_utf8(std::string_view bytes)
{
    static constexpr std::string_view replacement = "\xef\xbf\xbd"; // U+FFFD
    std::string text;
    text.reserve(bytes.size());
    for (size_t at = 0; at < bytes.size();) {
        size_t const length = sequence_length(bytes, at);
        if (length == 0) {
            text += replacement;
            ++at;
        } else {
            text.append(bytes, at, length);
            at += length;
        }
    }
    return text;
}

std::string base64(std::string_view bytes)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string text;
    text.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t at = 0; at < bytes.size(); at += 3) {
        size_t const n = std::min<size_t>(3, bytes.size() - at);
        uint32_t group = 0;
        for (size_t i = 0; i < 3; ++i)
            group = group << 8 | (i < n ? static_cast<uint8_t>(bytes[at + i]) : 0);
        for (size_t i = 0; i < 4; ++i)
            text += i <= n ? alphabet[(group >> (18 - 6 * i)) & 63] : '=';
    }
    return text;
}

} // namespace lkmemu::session
