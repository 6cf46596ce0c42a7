#include "kmod_wording.h"

#include "harness/guest_requests.h"

#include <lkmemu/errno.h>

#include <fmt/format.h>

namespace lkmemu::kmod {

namespace {

// Each line of the kernel's reason (init gives the log records the call produced, one a line)
// after `tool: kernel: `.
void append_kernel_reason(std::string& message, std::string_view tool, std::string_view reason)
{
    while (!reason.empty()) {
        size_t end = reason.find('\n');
        std::string_view line = reason.substr(0, end);
        message += fmt::format("\n{}: kernel: {}", tool, line);
        reason = end == std::string_view::npos ? std::string_view() : reason.substr(end + 1);
    }
}

} // namespace

std::string insmod_strerror(int errno_value)
{
    switch (errno_value) {
    case LKM_ENOEXEC:
        return "Invalid module format";
    case LKM_ENOENT:
        return "Unknown symbol in module";
    case LKM_ESRCH:
        return "Module has wrong symbol version";
    case LKM_EINVAL:
        return "Invalid parameters";
    default:
        return errno_text(errno_value);
    }
}

std::string insmod_failure(std::string_view file, int errno_value, std::string_view kernel_reason)
{
    std::string message = fmt::format("insmod: ERROR: could not insert module {}: {}", file, insmod_strerror(errno_value));
    append_kernel_reason(message, "insmod", kernel_reason);
    return message;
}

std::string rmmod_failure(std::string_view argument, std::string_view name, bool forced, int errno_value,
                          std::string_view kernel_reason)
{
    if (!forced && errno_value == LKM_ENOENT)
        return fmt::format("rmmod: ERROR: Module {} is not currently loaded", name);
    if (!forced && errno_value == LKM_EAGAIN && kernel_reason.starts_with("Module "))
        return fmt::format("rmmod: ERROR: {}", kernel_reason);
    std::string const why = errno_text(errno_value);
    std::string message = fmt::format("rmmod: ERROR: could not remove '{}': {}\n"
                                      "rmmod: ERROR: could not remove module {}: {}",
                                      name, why, argument, why);
    append_kernel_reason(message, "rmmod", kernel_reason);
    return message;
}

std::string lsmod_table(std::string_view proc_modules)
{
    std::string table = "Module                  Size  Used by\n";
    while (!proc_modules.empty()) {
        size_t end = proc_modules.find('\n');
        std::string_view line = proc_modules.substr(0, end);
        proc_modules = end == std::string_view::npos ? std::string_view() : proc_modules.substr(end + 1);
        // "name size refcount users state address [taints]"
        std::string_view fields[4];
        size_t count = 0;
        while (count < 4 && !line.empty()) {
            size_t space = line.find(' ');
            fields[count++] = line.substr(0, space);
            line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
        }
        if (count < 4)
            continue;
        table += fmt::format("{:<19} {:>8}  {}", fields[0], fields[1], fields[2]);
        char separator = ' ';
        std::string_view users = fields[3];
        while (!users.empty()) {
            size_t comma = users.find(',');
            std::string_view user = users.substr(0, comma);
            users = comma == std::string_view::npos ? std::string_view() : users.substr(comma + 1);
            if (user.empty() || user == "-" || user == "[permanent]")
                continue;
            table += separator;
            table += user;
            separator = ',';
        }
        table += '\n';
    }
    return table;
}

} // namespace lkmemu::kmod
