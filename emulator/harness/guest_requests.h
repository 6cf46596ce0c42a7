// Requests for the guest's init process (abi/lkmemu/harness.h), and the errno words kmod's tools
// print for their answers.
#pragma once

#include <support/result.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lkmemu {

// A request before it is encoded: what a guest command asks init to do.
struct GuestRequest {
    uint32_t op = 0;   // enum lkmemu_harness_op
    uint32_t flags = 0;
    std::string args;  // one string (the encoding adds its NUL)
    std::vector<uint8_t> data;
};

// The bytes of a request with its arguments and data (struct lkmemu_harness_request, args with
// their NUL, data), as init reads them from /dev/harness. A request larger than the protocol's
// LKMEMU_HARNESS_MAX_MESSAGE is an error: init could not take it.
Result<std::vector<uint8_t>> encode_request(const GuestRequest&);
// The size encode_request gives, without building it.
uint64_t encoded_size(const GuestRequest&);

// "Invalid module format" for ENOEXEC, as kmod's insmod words it; strerror-like text otherwise.
std::string insmod_strerror(int errno_value);
// "No such file or directory", or "error 1234" for a value lkmemu does not know.
std::string errno_text(int errno_value);
// "ENOENT", or "E1234".
std::string errno_name(int errno_value);

} // namespace lkmemu
