// The x86-64 relocation table: every type of the psABI (table 4.9), one row each, with what the
// loader does with it. elf_validity_check refuses and bounds-checks by it, apply_relocate_add
// computes, range-checks and writes by it; no other code knows relocation types. The shape is
// lld's (ELF/Arch/X86_64.cpp): a type is classified into an expression kind (getRelExpr), the
// value is computed from the kind alone, then checked against the field (checkInt / checkUInt)
// and written.
#pragma once

#include <stdint.h>

namespace lkm {

// How a relocation's value is computed, from S (symbol value), A (addend) and P (the place's
// address): lld's RelExpr, reduced to what a module loader does.
enum class RelExpr : uint8_t {
    none,        // nothing is written
    abs,         // S + A
    pc,          // S + A - P
    plt_pc,      // S + A - P: a module has no PLT, so a call goes straight to S (as in Linux)
    got,         // any GOT-based form: refused, as the module was built as position-independent code
    unsupported, // 8/16-bit fields, TLS, SIZE, dynamic-only types: refused by name
};

// The range the computed value must lie in to fit its field (lld's checkInt / checkUInt).
enum class RangeCheck : uint8_t {
    none,   // the value fills the field
    int32,  // [-2^31, 2^31 - 1]: the CPU sign-extends the field
    uint32, // [0, 2^32 - 1]: the CPU zero-extends the field
};

// X(name, number, bytes at the place, RelExpr, RangeCheck). Widths of refused types are the
// psABI's field sizes; only those of applied types are used.
#define LKM_X86_64_RELOCATIONS(X)                                                                  \
    X(R_X86_64_NONE, 0, 0, none, none)                                                             \
    X(R_X86_64_64, 1, 8, abs, none)                                                                \
    X(R_X86_64_PC32, 2, 4, pc, int32)                                                              \
    X(R_X86_64_GOT32, 3, 4, got, none)                                                             \
    X(R_X86_64_PLT32, 4, 4, plt_pc, int32)                                                         \
    X(R_X86_64_COPY, 5, 0, unsupported, none)                                                      \
    X(R_X86_64_GLOB_DAT, 6, 8, unsupported, none)                                                  \
    X(R_X86_64_JUMP_SLOT, 7, 8, unsupported, none)                                                 \
    X(R_X86_64_RELATIVE, 8, 8, unsupported, none)                                                  \
    X(R_X86_64_GOTPCREL, 9, 4, got, none)                                                          \
    X(R_X86_64_32, 10, 4, abs, uint32)                                                             \
    X(R_X86_64_32S, 11, 4, abs, int32)                                                             \
    X(R_X86_64_16, 12, 2, unsupported, none)                                                       \
    X(R_X86_64_PC16, 13, 2, unsupported, none)                                                     \
    X(R_X86_64_8, 14, 1, unsupported, none)                                                        \
    X(R_X86_64_PC8, 15, 1, unsupported, none)                                                      \
    X(R_X86_64_DTPMOD64, 16, 8, unsupported, none)                                                 \
    X(R_X86_64_DTPOFF64, 17, 8, unsupported, none)                                                 \
    X(R_X86_64_TPOFF64, 18, 8, unsupported, none)                                                  \
    X(R_X86_64_TLSGD, 19, 4, unsupported, none)                                                    \
    X(R_X86_64_TLSLD, 20, 4, unsupported, none)                                                    \
    X(R_X86_64_DTPOFF32, 21, 4, unsupported, none)                                                 \
    X(R_X86_64_GOTTPOFF, 22, 4, unsupported, none)                                                 \
    X(R_X86_64_TPOFF32, 23, 4, unsupported, none)                                                  \
    X(R_X86_64_PC64, 24, 8, pc, none)                                                              \
    X(R_X86_64_GOTOFF64, 25, 8, got, none)                                                         \
    X(R_X86_64_GOTPC32, 26, 4, got, none)                                                          \
    X(R_X86_64_GOT64, 27, 8, got, none)                                                            \
    X(R_X86_64_GOTPCREL64, 28, 8, got, none)                                                       \
    X(R_X86_64_GOTPC64, 29, 8, got, none)                                                          \
    X(R_X86_64_GOTPLT64, 30, 8, got, none)                                                         \
    X(R_X86_64_PLTOFF64, 31, 8, got, none)                                                         \
    X(R_X86_64_SIZE32, 32, 4, unsupported, none)                                                   \
    X(R_X86_64_SIZE64, 33, 8, unsupported, none)                                                   \
    X(R_X86_64_GOTPC32_TLSDESC, 34, 4, unsupported, none)                                          \
    X(R_X86_64_TLSDESC_CALL, 35, 0, unsupported, none)                                             \
    X(R_X86_64_TLSDESC, 36, 16, unsupported, none)                                                 \
    X(R_X86_64_IRELATIVE, 37, 8, unsupported, none)                                                \
    X(R_X86_64_RELATIVE64, 38, 8, unsupported, none)                                               \
    X(R_X86_64_GOTPCRELX, 41, 4, got, none)                                                        \
    X(R_X86_64_REX_GOTPCRELX, 42, 4, got, none)

namespace elf {
#define LKM_X86_64_RELOCATION_ENUM(name, number, width, expr, check) name = number,
enum : uint32_t { LKM_X86_64_RELOCATIONS(LKM_X86_64_RELOCATION_ENUM) };
#undef LKM_X86_64_RELOCATION_ENUM
} // namespace elf

struct RelocationType {
    uint32_t type = 0;
    const char* name = nullptr;         // "R_X86_64_PC32"
    const char* out_of_range = nullptr; // "relocation R_X86_64_PC32 out of range": a range error's reason
    uint8_t width = 0;                  // bytes written at the place
    RelExpr expr = RelExpr::unsupported;
    RangeCheck check = RangeCheck::none;
};

// The row of an x86-64 relocation type, or nullptr for a number the psABI does not define.
const RelocationType* x86_64_relocation(uint32_t type);
// Its name ("R_X86_64_PC32"), or nullptr for an unknown number.
const char* x86_64_relocation_name(uint32_t type);

} // namespace lkm
