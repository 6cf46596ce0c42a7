// Requests for the guest's init process (abi/lkmemu/harness.h), and the errno words the tools
// print for their answers (kmod's own words: commands/kmod_wording.h).
#pragma once

#include <devices/harness_data.h>
#include <support/result.h>

#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu {

// A request before it is encoded: what a guest command asks init to do.
struct GuestRequest {
    uint32_t op = 0;   // enum lkmemu_harness_op
    uint32_t flags = 0;
    std::string args;  // one string (the encoding adds its NUL)
    std::unique_ptr<HarnessData> data; // nullptr: none; read by the guest from /dev/harness_data
};

// The bytes of a request as init reads it from /dev/harness: struct lkmemu_harness_request (its
// data_length the data's size, saturated at 0xffffffff) and the arguments with their NUL. The
// data is not among them: the device hands it out piecewise. Arguments beyond the protocol's
// LKMEMU_HARNESS_MAX_MESSAGE are an error: init could not take them.
Result<std::vector<uint8_t>> encode_request(const GuestRequest&);
// The size encode_request gives, without building it.
uint64_t encoded_size(const GuestRequest&);

// "No such file or directory", or "error 1234" for a value lkmemu does not know.
std::string errno_text(int errno_value);
// "ENOENT", or "E1234".
std::string errno_name(int errno_value);
// 2 for "ENOENT" (and the aliases: EWOULDBLOCK is EAGAIN, ENOTSUP EOPNOTSUPP), or nullopt.
std::optional<int> errno_from_name(std::string_view name);

} // namespace lkmemu
