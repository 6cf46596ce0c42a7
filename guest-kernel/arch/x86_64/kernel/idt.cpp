// The IDT: every one of the 256 vectors has a gate to its stub in entry_64.S (16 bytes apart),
// so a stray vector is reported by number instead of becoming a triple fault.
#include <asm/desc.h>
#include <asm/segment.h>

extern "C" char vector_stubs[];
constexpr size_t VECTOR_STUB_SIZE = 16;

namespace {

struct [[gnu::packed]] gate_desc {
    u16 offset_low;
    u16 segment;
    u8 ist;
    u8 type_attr;
    u16 offset_middle;
    u32 offset_high;
    u32 reserved;
};

gate_desc g_idt[256];

constexpr u8 GATE_INTERRUPT = 0x8e; // present, DPL 0, 64-bit interrupt gate (IF cleared)
constexpr u8 GATE_INTERRUPT_USER = 0xee; // DPL 3: int3 from ring 3 reaches its handler

void set_gate(unsigned vector, u8 type, unsigned ist)
{
    u64 handler = reinterpret_cast<u64>(vector_stubs + vector * VECTOR_STUB_SIZE);
    g_idt[vector] = { static_cast<u16>(handler), static_cast<u16>(__KERNEL_CS), static_cast<u8>(ist), type,
                      static_cast<u16>(handler >> 16), static_cast<u32>(handler >> 32), 0 };
}

struct [[gnu::packed]] descriptor_pointer {
    u16 limit;
    u64 base;
};

} // namespace

void idt_init()
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, GATE_INTERRUPT, 0);
    set_gate(X86_TRAP_BP, GATE_INTERRUPT_USER, 0);
    descriptor_pointer idtr { sizeof(g_idt) - 1, reinterpret_cast<u64>(g_idt) };
    asm volatile("lidt %0" ::"m"(idtr));
}

// Once the TSS has its IST stacks: #DF, NMI and #MC switch to them, so they run even when the
// interrupted stack is exhausted (a #DF from a stack overflow).
void idt_setup_ist_traps()
{
    set_gate(X86_TRAP_DF, GATE_INTERRUPT, IST_INDEX_DF);
    set_gate(X86_TRAP_NMI, GATE_INTERRUPT, IST_INDEX_NMI);
    set_gate(X86_TRAP_MC, GATE_INTERRUPT, IST_INDEX_MCE);
}
