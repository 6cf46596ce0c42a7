// The registers the stub shows gdb, in the order of its target description (and so of the 'g'
// packet): gdb's x86-64 core feature (general registers, rip, eflags, selectors, x87), then
// gdb's segments feature (fs_base, gs_base), then lkmemu's system feature (k_gs_base, control
// registers, EFER). The XML in target_description.cpp is generated from this one table.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lkmemu::gdb {

enum class Register : uint8_t {
    rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp,
    r8, r9, r10, r11, r12, r13, r14, r15,
    rip, eflags,
    cs, ss, ds, es, fs, gs,
    st0, st1, st2, st3, st4, st5, st6, st7,
    fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop,
    fs_base, gs_base,
    k_gs_base, cr0, cr2, cr3, cr4, cr8, efer,
};

inline constexpr size_t register_count = static_cast<size_t>(Register::efer) + 1;

// Which <feature> of the target description a register belongs to.
enum class RegisterFeature : uint8_t { Core, Segments, System };

struct RegisterInfo {
    Register id;
    std::string_view name;  // gdb's name: `info registers NAME`, `$NAME`
    unsigned bits;          // 64, 32 or 80 (x87 stack registers)
    std::string_view type;  // a type gdb knows (int64, code_ptr, i387_ext, ...) or one the XML defines
    std::string_view group; // gdb register group ("general", "float", "system")
    RegisterFeature feature;

    constexpr size_t bytes() const { return bits / 8; }
};

// Every register, indexed by its number (the Register value, gdb's regnum).
const std::array<RegisterInfo, register_count>& register_table();

const RegisterInfo& register_info(Register reg);

// Register number `n` as the protocol's 'p'/'P' packets name it, or nothing past the end.
std::optional<Register> register_from_number(uint64_t n);

// Bytes of the whole 'g' packet payload (before hex encoding).
size_t register_file_bytes();

} // namespace lkmemu::gdb
