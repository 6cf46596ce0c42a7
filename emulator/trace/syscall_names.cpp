#include "trace/syscall_names.h"

#include <lkmemu/linux_syscalls.h>

#include <array>

namespace lkmemu::trace {

namespace {

constexpr auto kNames = [] {
    std::array<std::string_view, LKM_LINUX_SYSCALL_END> names {};
#define SYSCALL_NAME(nr, name) names[nr] = #name;
    LKM_LINUX_SYSCALL_NAMES(SYSCALL_NAME)
#undef SYSCALL_NAME
    return names;
}();

} // namespace

std::string_view linux_syscall_name(uint64_t number)
{
    return number < kNames.size() ? kNames[number] : std::string_view {};
}

} // namespace lkmemu::trace
