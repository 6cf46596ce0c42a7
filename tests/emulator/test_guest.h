// TestGuest: builds a small kernel.elf for CPU tests — hand-assembled code (mnemonic beside each
// byte sequence in the tests), plus the GDT, IDT, TSS and page tables that code switches to, all
// laid out by the host so a test reads as "this code, these gates, that outcome".
//
// Layout (virtual -> physical):
//   text   0xffffffff80100000 -> 0x100000  r-x  +0: prologue, +0x100: test body, +0xf00: #DF handler
//   data   0xffffffff80200000 -> 0x200000  rw-  +0: GDT, +0xf00 GDTR, +0xf10 IDTR, +0xf20 empty IDTR,
//                                               +0x1000: IDT, +0x2000: TSS, stack tops +0x7000
//                                               (TSS.RSP0) and +0x8000 (the prologue's), IST1 +0x9000
//   tables 0xffffffff80300000 -> 0x300000  rw-  the page tables the prologue loads into CR3
//   user   0x400000 -> 0x400000            r-x user;  user stack 0x7fff0000 -> 0x410000 rw- user
// GDT: 0x08 kernel code, 0x10 kernel data, 0x18 user32 code, 0x20 user data, 0x28 user code,
// 0x30 TSS.
#pragma once

#include "machine/machine.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lkmemu::test {

struct Chunk {
    uint32_t offset;
    std::vector<uint8_t> bytes;
};

inline constexpr uint64_t text_va = 0xffffffff80100000ull, text_pa = 0x100000;
inline constexpr uint64_t data_va = 0xffffffff80200000ull, data_pa = 0x200000;
inline constexpr uint64_t tables_va = 0xffffffff80300000ull, tables_pa = 0x300000;
inline constexpr uint64_t user_va = 0x400000, user_pa = 0x400000;
inline constexpr uint64_t user_stack_va = 0x7fff0000, user_stack_pa = 0x410000, user_stack_top = 0x7fff1000;
inline constexpr uint64_t idt_va = data_va + 0x1000, tss_va = data_va + 0x2000;
inline constexpr uint64_t rsp0_top = data_va + 0x7000, kernel_stack_top = data_va + 0x8000, ist1_top = data_va + 0x9000;
inline constexpr uint64_t body_offset = 0x100, double_fault_offset = 0xf00;
inline constexpr uint16_t kernel_cs = 0x08, kernel_ds = 0x10, user_ds = 0x23, user_cs = 0x2b;

struct Gate {
    uint8_t vector;
    uint32_t handler_offset; // in text
    uint8_t type = 0xe;      // interrupt gate
    uint8_t dpl = 0;
    uint8_t ist = 0;
    bool present = true;
};

class TestGuest {
public:
    // with_prologue: start with the standard prologue (load CR3, GDT, IDT, TR, stack, CS) and a
    // #DF handler that powers off with 0xdf; without it the text is only the given chunks and the
    // machine starts in the boot loader's state.
    explicit TestGuest(std::vector<Chunk> text, bool with_prologue = true);

    TestGuest& user_code(std::vector<Chunk> chunks);
    TestGuest& gate(Gate);

    // Writes kernel.elf into a fresh temporary directory (removed with the TempFile).
    class TempFile write_elf() const;
    // A machine booted from it (fails the test if creation fails).
    std::unique_ptr<Machine> machine() const;

private:
    std::vector<uint8_t> text_bytes() const;
    std::vector<uint8_t> data_bytes() const;
    std::vector<uint8_t> table_bytes() const;

    std::vector<Chunk> m_text;
    std::vector<Chunk> m_user;
    std::vector<Gate> m_gates;
    bool m_prologue;
};

// A minimal ELF64 writer for boot-error tests: one PT_LOAD with the given bytes.
struct ElfSpec {
    uint16_t machine = 62; // EM_X86_64
    uint8_t elf_class = 2; // ELFCLASS64
    uint64_t entry = text_va;
    uint64_t vaddr = text_va, paddr = text_pa;
    uint32_t flags = 5; // R X
    std::vector<uint8_t> bytes { 0xf4 };
    uint64_t memory_size = 0; // 0: bytes.size()
};
std::vector<uint8_t> make_elf(const ElfSpec&);

// A file in its own temporary directory; both are removed when this goes.
class TempFile {
public:
    TempFile(const std::string& name, const std::vector<uint8_t>& bytes);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return m_path; }

private:
    std::string m_directory, m_path;
};

uint64_t read_u64(const Machine&, uint64_t va);

// Code that several tests share, byte for byte as they were written inline (the tests' jumps and
// breakpoints count on these lengths).
namespace code {
// The body (at body_offset) of the ring-3 tests: enables SYSCALL (EFER.SCE; STAR with kernel
// selectors 0x08 and user base 0x18; LSTAR = text + 0xa00; FMASK = IF) and iretqs to user_va in
// ring 3 on user_stack_top, with IF set.
Chunk enter_user_mode_body();
// An exception handler that keeps the frame's address in r13 and powers off with status:
// mov r13, rsp; mov eax, status; out 0xf4, eax; hlt.
std::vector<uint8_t> save_frame_and_power_off(uint8_t status);
// The #PF handler of the fault tests: CR2 into r14, then save_frame_and_power_off(0x14).
std::vector<uint8_t> page_fault_handler();
// The kernel text of the ring-3 tests: enter_user_mode_body(), a SYSCALL entry at +0xa00 that
// powers off with 0x5c, and page_fault_handler() at +0x800 (for a gate on vector 14).
std::vector<Chunk> ring3_test_text();
// xor r15d, r15d; then both 8259As initialised (vectors 0x20 and 0x28, cascade on IRQ 2, 8086
// mode) with everything masked but IRQ 0: 45 bytes, for the start of a timer test's body.
std::vector<uint8_t> count_in_r15_and_unmask_irq0();
// The IRQ 0 handler for that: inc r15, EOI to the master PIC, iretq.
std::vector<uint8_t> irq0_counter();
} // namespace code

// bytes then more, for a chunk that starts with shared code.
std::vector<uint8_t> operator+(std::vector<uint8_t> bytes, const std::vector<uint8_t>& more);

} // namespace lkmemu::test
