#include "guest_requests.h"

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace lkmemu {

uint64_t encoded_size(const GuestRequest& request)
{
    return sizeof(lkmemu_harness_request) + request.args.size() + 1;
}

Result<std::vector<uint8_t>> encode_request(const GuestRequest& request)
{
    uint64_t const size = encoded_size(request);
    if (size > LKMEMU_HARNESS_MAX_MESSAGE)
        return make_error(fmt::format("the request is {} bytes; the harness carries at most {}", size,
                                      LKMEMU_HARNESS_MAX_MESSAGE));
    lkmemu_harness_request header {};
    header.op = request.op;
    header.flags = request.flags;
    header.args_length = static_cast<uint32_t>(request.args.size() + 1);
    uint64_t const data_size = request.data ? request.data->size() : 0;
    header.data_length = static_cast<uint32_t>(std::min<uint64_t>(data_size, UINT32_MAX));
    std::vector<uint8_t> bytes;
    bytes.reserve(size);
    auto const* header_bytes = reinterpret_cast<const uint8_t*>(&header);
    bytes.insert(bytes.end(), header_bytes, header_bytes + sizeof header);
    auto const* args = reinterpret_cast<const uint8_t*>(request.args.c_str());
    bytes.insert(bytes.end(), args, args + header.args_length); // with its NUL
    return bytes;
}

std::string errno_text(int value)
{
    if (const char* text = lkm_errno_text(value))
        return text;
    return "error " + std::to_string(value);
}

std::string errno_name(int value)
{
    if (const char* name = lkm_errno_name(value))
        return name;
    return "E" + std::to_string(value);
}

std::optional<int> errno_from_name(std::string_view name)
{
#define LKM_ERRNO_FROM_NAME(errno_name, value, text) \
    if (name == #errno_name)                         \
        return value;
    LKM_ERRNO_LIST(LKM_ERRNO_FROM_NAME)
#undef LKM_ERRNO_FROM_NAME
    if (name == "EWOULDBLOCK")
        return LKM_EWOULDBLOCK;
    if (name == "ENOTSUP")
        return LKM_ENOTSUP;
    return std::nullopt;
}

} // namespace lkmemu
