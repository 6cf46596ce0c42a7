// The descriptor tables: GDT with a TSS (arch/x86_64/kernel/gdt.cpp) and the IDT
// (arch/x86_64/kernel/idt.cpp). One CPU.
#pragma once

#include <kernel/types.h>

struct [[gnu::packed]] tss_struct {
    u32 reserved0;
    u64 rsp[3]; // rsp[0]: the stack the CPU switches to on an interrupt from ring 3
    u64 reserved1;
    u64 ist[7]; // ist[n-1] is IST n
    u64 reserved2;
    u16 reserved3;
    u16 io_bitmap_base;
};

// IST slots (1-based, as the IDT gate encodes them).
constexpr unsigned IST_INDEX_DF = 1;
constexpr unsigned IST_INDEX_NMI = 2;
constexpr unsigned IST_INDEX_MCE = 3;

void gdt_init(); // load the GDT and TSS, reload every segment register
void idt_init(); // 256 gates to the entry stubs, then lidt
// After mm_init: allocate the IST stacks (guarded, mm/vmap_stack.cpp), put them in the TSS and
// switch the #DF, NMI and #MC gates to them (idt_setup_ist_traps).
void cpu_init_exception_stacks();
void idt_setup_ist_traps();

// Where the CPU switches stacks when an interrupt arrives in ring 3.
void tss_set_rsp0(u64 rsp0);

// Exception vectors.
enum : u8 {
    X86_TRAP_DE = 0, X86_TRAP_DB = 1, X86_TRAP_NMI = 2, X86_TRAP_BP = 3, X86_TRAP_OF = 4,
    X86_TRAP_BR = 5, X86_TRAP_UD = 6, X86_TRAP_NM = 7, X86_TRAP_DF = 8, X86_TRAP_OLD_MF = 9,
    X86_TRAP_TS = 10, X86_TRAP_NP = 11, X86_TRAP_SS = 12, X86_TRAP_GP = 13, X86_TRAP_PF = 14,
    X86_TRAP_SPURIOUS = 15, X86_TRAP_MF = 16, X86_TRAP_AC = 17, X86_TRAP_MC = 18, X86_TRAP_XF = 19,
    X86_TRAP_VE = 20, X86_TRAP_CP = 21, X86_TRAP_VC = 29, X86_TRAP_SX = 30,
};
constexpr unsigned FIRST_EXTERNAL_VECTOR = 32;
