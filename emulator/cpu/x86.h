// Architectural constants of x86-64 (Intel SDM vol. 3), defined once for the host's CPU, MMU,
// boot loader and debugger.
#pragma once

#include <cstdint>

namespace lkmemu::x86 {

namespace vector {
inline constexpr uint8_t divide_error = 0, debug = 1, breakpoint = 3, overflow = 4, invalid_opcode = 6;
inline constexpr uint8_t double_fault = 8, invalid_tss = 10, segment_not_present = 11, stack_fault = 12;
inline constexpr uint8_t general_protection = 13, page_fault = 14, alignment_check = 17;
} // namespace vector

// Exceptions that push an error code.
constexpr bool pushes_error_code(uint8_t v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}
// Contributory exceptions (SDM table 6-4): two in a row make a #DF.
constexpr bool is_contributory(uint8_t v) { return v == 0 || (v >= 10 && v <= 13); }

namespace rflags {
inline constexpr uint64_t cf = 1ull << 0, fixed = 1ull << 1, tf = 1ull << 8, if_ = 1ull << 9;
inline constexpr uint64_t nt = 1ull << 14, rf = 1ull << 16, vm = 1ull << 17, ac = 1ull << 18;
} // namespace rflags

namespace cr0 {
inline constexpr uint64_t pe = 1ull << 0, mp = 1ull << 1, et = 1ull << 4, ne = 1ull << 5;
inline constexpr uint64_t wp = 1ull << 16, pg = 1ull << 31;
} // namespace cr0

namespace cr4 {
inline constexpr uint64_t pae = 1ull << 5, osfxsr = 1ull << 9, osxmmexcpt = 1ull << 10;
inline constexpr uint64_t smep = 1ull << 20, smap = 1ull << 21;
} // namespace cr4

namespace efer {
inline constexpr uint64_t sce = 1ull << 0, lme = 1ull << 8, lma = 1ull << 10, nxe = 1ull << 11;
} // namespace efer

// Paging-structure entry bits (SDM 4.5), the same at every level except PS.
namespace pte {
inline constexpr uint64_t present = 1ull << 0, writable = 1ull << 1, user = 1ull << 2;
inline constexpr uint64_t accessed = 1ull << 5, dirty = 1ull << 6;
inline constexpr uint64_t large = 1ull << 7; // PS: a 2 MiB (PDE) or 1 GiB (PDPTE) leaf
inline constexpr uint64_t nx = 1ull << 63;   // XD; reserved unless EFER.NXE
} // namespace pte

// The #PF error code (SDM 4.7).
namespace pf {
inline constexpr uint32_t present = 1u << 0;  // 0: page not present; 1: protection violation
inline constexpr uint32_t write = 1u << 1;
inline constexpr uint32_t user = 1u << 2;
inline constexpr uint32_t reserved = 1u << 3; // a reserved bit was set in a paging entry
inline constexpr uint32_t fetch = 1u << 4;    // instruction fetch (reported when NXE or SMEP)
} // namespace pf

namespace msr {
inline constexpr uint32_t efer = 0xc0000080, star = 0xc0000081, lstar = 0xc0000082, fmask = 0xc0000084;
inline constexpr uint32_t fs_base = 0xc0000100, gs_base = 0xc0000101, kernel_gs_base = 0xc0000102;
} // namespace msr

// A 16-byte IDT gate, decoded.
struct IdtGate {
    uint64_t offset;
    uint16_t selector;
    uint8_t ist;  // 0: no IST
    uint8_t type; // 0xe interrupt gate, 0xf trap gate
    uint8_t dpl;
    bool present;

    static IdtGate decode(uint64_t low, uint64_t high)
    {
        return IdtGate { (low & 0xffff) | ((low >> 32) & 0xffff0000ull) | (high << 32),
                         static_cast<uint16_t>(low >> 16), static_cast<uint8_t>((low >> 32) & 7),
                         static_cast<uint8_t>((low >> 40) & 0xf), static_cast<uint8_t>((low >> 45) & 3),
                         ((low >> 47) & 1) != 0 };
    }
};

// TSS64 field offsets.
namespace tss {
inline constexpr uint64_t rsp0 = 0x4, ist1 = 0x24;
} // namespace tss

inline bool is_canonical(uint64_t va)
{
    auto const high = static_cast<int64_t>(va) >> 47;
    return high == 0 || high == -1;
}

} // namespace lkmemu::x86
