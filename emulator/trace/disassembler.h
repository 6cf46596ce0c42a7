// One x86-64 instruction at a time, through Capstone 4 (Intel syntax, as the kernel's own
// objdump -M intel listings read).
#pragma once

#include <loader/error_or.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

struct cs_insn; // <capstone/capstone.h>, kept out of this header

namespace lkmemu::trace {

struct DecodedInstruction {
    size_t length;        // bytes the instruction takes
    std::string mnemonic; // "mov"
    std::string operands; // "rbp, rsp" (may be empty)
};

class Disassembler {
public:
    static lkm::ErrorOr<Disassembler> open();

    Disassembler(Disassembler&& other) noexcept;
    Disassembler& operator=(Disassembler&&) = delete;
    Disassembler(const Disassembler&) = delete;
    ~Disassembler();

    // The instruction at the start of `bytes`, or nothing when they do not begin with a valid
    // instruction (or end inside one).
    std::optional<DecodedInstruction> decode(uint64_t address, std::span<const uint8_t> bytes) const;

private:
    Disassembler(size_t handle, cs_insn* scratch) : m_handle(handle), m_scratch(scratch) {}

    size_t m_handle = 0;            // csh
    cs_insn* m_scratch = nullptr;   // one reusable decode buffer (cs_malloc)
};

} // namespace lkmemu::trace
