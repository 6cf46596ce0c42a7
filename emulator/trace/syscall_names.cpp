#include "trace/syscall_names.h"

#include <lkmemu/syscalls.h>

namespace lkmemu::trace {

std::string_view linux_syscall_name(uint64_t number)
{
    switch (number) {
#define SYSCALL_NAME(nr, name, parameters)                                                         \
    case nr:                                                                                       \
        return #name;
        LKM_SYSCALL_LIST(SYSCALL_NAME)
#undef SYSCALL_NAME
    default:
        return {};
    }
}

} // namespace lkmemu::trace
