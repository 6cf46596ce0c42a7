// The GDT (flat segments; the user ones in SYSRET's order, see asm/segment.h), the TSS with the
// ring-0 stack and IST stacks for the exceptions that must never run on a broken stack (#DF,
// NMI, #MC), and the per-CPU area GS points at. The IST stacks come from the stack area (with
// guard space below, as Linux's cpu_entry_area gives them) once memory management is up; until
// then the IDT gates use no IST.
#include <asm/desc.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <kernel/panic.h>
#include <kernel/vmap_stack.h>

percpu cpu0_percpu;

namespace {

constexpr size_t IST_STACK_SIZE = 8192; // Linux's EXCEPTION_STKSZ
vm_stack* g_ist_stacks[3];               // #DF, NMI, #MC (IST_INDEX_* - 1)

tss_struct g_tss;

// Access byte | flags for a code/data descriptor (base 0, limit 0xfffff, 4 KiB granularity).
constexpr u64 segment(u64 access, u64 flags)
{
    return 0xffffull | (access << 40) | (0xfull << 48) | (flags << 52);
}
constexpr u64 KERNEL_CODE64 = segment(0x9a, 0xa); // P, DPL0, code r-x; L, G
constexpr u64 KERNEL_DATA = segment(0x92, 0xc);   // P, DPL0, data rw-; D/B, G
constexpr u64 USER_CODE32 = segment(0xfa, 0xc);   // P, DPL3, code; D/B, G
constexpr u64 USER_DATA = segment(0xf2, 0xc);     // P, DPL3, data
constexpr u64 USER_CODE64 = segment(0xfa, 0xa);   // P, DPL3, code; L, G

alignas(16) u64 g_gdt[GDT_ENTRIES] = {
    0, KERNEL_CODE64, KERNEL_DATA, USER_CODE32, USER_DATA, USER_CODE64, 0, 0,
};

struct [[gnu::packed]] descriptor_pointer {
    u16 limit;
    u64 base;
};

} // namespace

// For the unwinder: is sp inside one of the IST stacks? Returns its bounds.
bool get_ist_stack_bounds(u64 sp, u64* begin, u64* end)
{
    for (const vm_stack* stack : g_ist_stacks) {
        if (stack && sp >= stack->begin && sp < stack->end) {
            *begin = stack->begin;
            *end = stack->end;
            return true;
        }
    }
    return false;
}

// For the #DF handler: the IST stack whose guard holds address, if any.
const vm_stack* ist_stack_guard_hit(u64 address)
{
    for (const vm_stack* stack : g_ist_stacks) {
        if (stack && vmap_stack_guard_hit(stack, address))
            return stack;
    }
    return nullptr;
}

void cpu_init_exception_stacks()
{
    const char* const types[] = { "#DF", "NMI", "#MC" };
    for (unsigned i = 0; i < 3; i++) {
        auto stack = vmap_stack_alloc(IST_STACK_SIZE, types[i]);
        if (stack.is_error())
            panic("Cannot allocate the %s exception stack: %s", types[i], stack.error().reason);
        g_ist_stacks[i] = stack.value();
        g_tss.ist[i] = g_ist_stacks[i]->end;
    }
    idt_setup_ist_traps();
}

void tss_set_rsp0(u64 rsp0) { g_tss.rsp[0] = rsp0; }

void gdt_init()
{
    g_tss.io_bitmap_base = sizeof(tss_struct); // no I/O bitmap: ring 3 gets no ports

    // A 64-bit TSS descriptor takes two GDT slots.
    u64 base = reinterpret_cast<u64>(&g_tss);
    u64 limit = sizeof(tss_struct) - 1;
    g_gdt[GDT_ENTRY_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                           (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    g_gdt[GDT_ENTRY_TSS + 1] = base >> 32;

    descriptor_pointer gdtr { sizeof(g_gdt) - 1, reinterpret_cast<u64>(g_gdt) };
    asm volatile("lgdt %0" ::"m"(gdtr));
    // Reload CS with a far return, then the data segments and the task register.
    asm volatile("pushq %[cs]\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "mov %[ds], %%ds\n\t"
                 "mov %[ds], %%es\n\t"
                 "mov %[ds], %%ss\n\t"
                 "mov %[null], %%fs\n\t"
                 "mov %[null], %%gs\n\t"
                 "ltr %[tss]"
                 :
                 : [cs] "i"(__KERNEL_CS), [ds] "r"(static_cast<u16>(__KERNEL_DS)),
                   [null] "r"(static_cast<u16>(0)), [tss] "r"(static_cast<u16>(GDT_TSS_SELECTOR))
                 : "rax", "memory");
}

void percpu_init()
{
    cpu0_percpu.self = &cpu0_percpu;
    // Loading GS (in gdt_init) cleared GS_BASE; set it after.
    wrmsr(MSR_GS_BASE, reinterpret_cast<u64>(&cpu0_percpu));
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}
