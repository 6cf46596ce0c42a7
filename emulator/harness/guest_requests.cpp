#include "guest_requests.h"

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>

#include <cstring>

namespace lkmemu {

std::vector<uint8_t> make_request(uint32_t op, uint32_t flags, std::string_view args,
                                  const std::vector<uint8_t>& data)
{
    lkmemu_harness_request header {};
    header.op = op;
    header.flags = flags;
    header.args_length = static_cast<uint32_t>(args.size());
    header.data_length = static_cast<uint32_t>(data.size());
    std::vector<uint8_t> bytes(sizeof header + args.size() + data.size());
    std::memcpy(bytes.data(), &header, sizeof header);
    std::memcpy(bytes.data() + sizeof header, args.data(), args.size());
    if (!data.empty())
        std::memcpy(bytes.data() + sizeof header + args.size(), data.data(), data.size());
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
