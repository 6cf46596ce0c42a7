// Names of Linux's x86-64 system calls by number, for trace lines: the contract's table of all of
// them (abi/lkmemu/linux_syscalls.h, Linux 6.1's syscall_64.tbl), the one the kernel's log line
// for an unimplemented call reads too, so a trace names a call the kernel refuses as well.
#pragma once

#include <cstdint>
#include <string_view>

namespace lkmemu::trace {

// "init_module" for 175, "clone3" for 435; empty for a number Linux does not assign (335..423,
// the x32 range and past the table).
std::string_view linux_syscall_name(uint64_t number);

} // namespace lkmemu::trace
