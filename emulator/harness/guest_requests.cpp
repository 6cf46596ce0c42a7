#include "guest_requests.h"

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

#include <fmt/format.h>

#include <cstring>

namespace lkmemu {

uint64_t encoded_size(const GuestRequest& request)
{
    return sizeof(lkmemu_harness_request) + request.args.size() + 1 + request.data.size();
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
    header.data_length = static_cast<uint32_t>(request.data.size());
    std::vector<uint8_t> bytes(size);
    uint8_t* at = bytes.data();
    std::memcpy(at, &header, sizeof header);
    at += sizeof header;
    std::memcpy(at, request.args.c_str(), header.args_length); // with its NUL
    at += header.args_length;
    if (!request.data.empty())
        std::memcpy(at, request.data.data(), request.data.size());
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

std::string insmod_strerror(int value)
{
    // kmod's tools/insmod.c mod_strerror(): the errors init_module gives special meaning to.
    switch (value) {
    case LKM_ENOEXEC:
        return "Invalid module format";
    case LKM_ENOENT:
    case LKM_ESRCH:
        return "Unknown symbol in module";
    case LKM_EEXIST:
        return "Module already in kernel";
    default:
        return errno_text(value);
    }
}

} // namespace lkmemu
