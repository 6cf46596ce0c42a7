// Which executed instructions `--trace-filter` keeps: kernel | user | module:NAME | BEGIN-END.
#pragma once

#include <loader/error_or.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace lkmemu::trace {

// x86-64 canonical halves: the kernel lives in the upper one, user space in the lower one.
inline constexpr uint64_t kernel_space_start = 0xffff800000000000;
inline constexpr uint64_t user_space_end = 0x0000800000000000;

struct TraceFilter {
    enum class Kind : uint8_t { All, Kernel, User, Module, Range };

    Kind kind = Kind::All;
    std::string module; // Module: the module's name as lsmod shows it
    uint64_t begin = 0; // Range: [begin, end), half-open
    uint64_t end = 0;

    // `module_name` is where the symbolizer placed `address` (empty for the kernel image or
    // an address no module holds); only Module filters look at it.
    bool matches(uint64_t address, std::string_view module_name) const;

    // Module filters need the symbolizer's answer for every instruction; the others decide
    // from the address alone.
    bool needs_module() const { return kind == Kind::Module; }

    // The inclusive address range a code hook must cover for this filter, so the machine can
    // hook only that (a Module filter covers everything: modules move when reloaded).
    uint64_t hook_first() const;
    uint64_t hook_last() const;
};

// "kernel", "user", "module:NAME", "BEGIN-END" (hex, 0x optional, BEGIN < END).
lkm::ErrorOr<TraceFilter> parse_trace_filter(std::string_view text);

} // namespace lkmemu::trace
