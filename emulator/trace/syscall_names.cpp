#include "trace/syscall_names.h"

namespace lkmemu::trace {

std::string_view linux_syscall_name(uint64_t number)
{
    switch (number) {
    case 0: return "read";
    case 1: return "write";
    case 2: return "open";
    case 3: return "close";
    case 8: return "lseek";
    case 35: return "nanosleep";
    case 60: return "exit";
    case 102: return "getuid";
    case 103: return "syslog";
    case 105: return "setuid";
    case 117: return "setresuid";
    case 169: return "reboot";
    case 175: return "init_module";
    case 176: return "delete_module";
    default: return {};
    }
}

} // namespace lkmemu::trace
