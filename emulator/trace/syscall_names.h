// Names of the system calls lkmemu's kernel implements, by Linux's x86-64 numbers (which the
// kernel uses: guest-kernel/include/kernel/syscalls.h), for trace lines.
#pragma once

#include <cstdint>
#include <string_view>

namespace lkmemu::trace {

// "init_module" for 175; empty for a number the kernel does not implement.
std::string_view linux_syscall_name(uint64_t number);

} // namespace lkmemu::trace
