// Building harness requests and reading their answers the way kmod's tools would print them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lkmemu {

// struct lkmemu_harness_request + args + data, as init reads it from /dev/harness.
std::vector<uint8_t> make_request(uint32_t op, uint32_t flags = 0, std::string_view args = {},
                                  const std::vector<uint8_t>& data = {});

// "Invalid module format" for ENOEXEC, as kmod's insmod words it; strerror-like text otherwise.
std::string insmod_strerror(int errno_value);
// "No such file or directory", or "error 1234" for a value lkmemu does not know.
std::string errno_text(int errno_value);
// "ENOENT", or "E1234".
std::string errno_name(int errno_value);

// Linux open(2) flag values that delete_module(2) takes.
constexpr uint32_t kO_NONBLOCK = 04000;
constexpr uint32_t kO_TRUNC = 01000;
// Harness-only flag for RMMOD: init retries with back-off while the module is busy (rmmod -w).
constexpr uint32_t kHarnessRmmodWait = 1u << 31;

} // namespace lkmemu
