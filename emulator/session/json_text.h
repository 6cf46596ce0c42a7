// Text from the guest or the user, made fit for JSON. The summary's strings are the console, what
// commands printed, module names, vermagic strings and paths: bytes, not necessarily UTF-8, and
// JSON text must be UTF-8 (RFC 8259), so the JSON library refuses the rest by throwing.
#pragma once

#include <string>
#include <string_view>

namespace lkmemu::session {

// Whether `bytes` is well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no surrogates,
// nothing past U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// `bytes` with every byte that does not begin a well-formed UTF-8 sequence replaced by U+FFFD,
// one replacement per byte, so that the text keeps its length in characters and the valid parts
// are kept exactly.
std::string valid_utf8(std::string_view bytes);

// RFC 4648 base64 with padding: the raw bytes of a text that valid_utf8() had to change.
std::string base64(std::string_view bytes);

} // namespace lkmemu::session
