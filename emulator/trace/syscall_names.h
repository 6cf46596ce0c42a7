// Names of the system calls lkmemu's kernel implements, by Linux's x86-64 numbers, for trace
// lines: generated from the list the kernel's dispatch table is (abi/lkmemu/syscalls.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace lkmemu::trace {

// "init_module" for 175; empty for a number the kernel does not implement.
std::string_view linux_syscall_name(uint64_t number);

} // namespace lkmemu::trace
