// `lkmemu run --trace FILE`: one line per executed instruction, and the faults, interrupts and
// system calls between them. The machine calls these from its code hook and its exception /
// syscall paths; with tracing off it installs no code hook at all.
//
//   ffffffffa0000004  hello_init+0x4 [hello]          48 89 e5              mov rbp, rsp
//   --- fault #PF (14) error=0x3 cr2=0xffffffffa0001000 at ffffffffa0000010 hello_init+0x10 [hello]
//   --- syscall 175 init_module(0x402000, 0x1f40, 0x401000) at 0000000000401234
//   --- syscall 175 init_module returned -17 (EEXIST)
#pragma once

#include "trace/disassembler.h"
#include "trace/trace_filter.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lkmemu::trace {

// Where an address is, as kallsyms would say it. `module` is empty for the kernel image and
// for user space; Linux writes " [name]" after module symbols only, and so do we.
struct SymbolLocation {
    std::string symbol;
    uint64_t offset = 0;
    std::string module;
};

using Symbolizer = std::function<std::optional<SymbolLocation>(uint64_t address)>;
// Receives each finished line, without its newline.
using LineSink = std::function<void(std::string_view line)>;

class Tracer {
public:
    Tracer(Disassembler disassembler, TraceFilter filter, Symbolizer symbolize, LineSink sink);

    // A tracer that writes to the file at `path` (created or truncated).
    static lkm::ErrorOr<Tracer> open_file(const std::string& path, TraceFilter filter, Symbolizer symbolize);

    const TraceFilter& filter() const { return m_filter; }

    // One executed instruction; `bytes` are at least the instruction's (up to 15 may be
    // passed). Instructions outside the filter write nothing.
    void instruction(uint64_t address, std::span<const uint8_t> bytes);

    // An exception the machine delivers (or cannot): vector, error code if the vector has one.
    void fault(uint8_t vector, std::optional<uint64_t> error_code, std::optional<uint64_t> cr2, uint64_t rip);
    void interrupt(uint8_t vector, uint64_t rip);
    // `name` may be empty when the number is not one lkmemu's kernel implements.
    void syscall(uint64_t number, std::string_view name, std::span<const uint64_t> arguments, uint64_t rip);
    void syscall_return(uint64_t number, std::string_view name, int64_t value);

    // The text of those lines, without writing them (what the tests check).
    std::string format_instruction(uint64_t address, std::span<const uint8_t> bytes) const;
    std::string format_location(uint64_t address) const;

private:
    Disassembler m_disassembler;
    TraceFilter m_filter;
    Symbolizer m_symbolize;
    LineSink m_sink;
};

// "#PF" for 14, "#GP" for 13 ...; "vector" for the ones without a mnemonic.
std::string_view exception_mnemonic(uint8_t vector);

} // namespace lkmemu::trace
