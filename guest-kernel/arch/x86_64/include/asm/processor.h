// Control registers, MSRs and the few privileged instructions the kernel issues.
#pragma once

#include <kernel/types.h>

// CR0 / CR4 / EFER bits.
constexpr u64 X86_CR0_PE = 1ull << 0, X86_CR0_MP = 1ull << 1, X86_CR0_ET = 1ull << 4,
              X86_CR0_NE = 1ull << 5, X86_CR0_WP = 1ull << 16, X86_CR0_PG = 1ull << 31;
constexpr u64 X86_CR4_PAE = 1ull << 5, X86_CR4_OSFXSR = 1ull << 9, X86_CR4_OSXMMEXCPT = 1ull << 10;
constexpr u64 EFER_SCE = 1ull << 0, EFER_LME = 1ull << 8, EFER_LMA = 1ull << 10,
              EFER_NXE = 1ull << 11;

// MSR numbers.
constexpr u32 MSR_EFER = 0xc0000080;
constexpr u32 MSR_STAR = 0xc0000081;
constexpr u32 MSR_LSTAR = 0xc0000082;
constexpr u32 MSR_CSTAR = 0xc0000083;
constexpr u32 MSR_SYSCALL_MASK = 0xc0000084;
constexpr u32 MSR_FS_BASE = 0xc0000100;
constexpr u32 MSR_GS_BASE = 0xc0000101;
constexpr u32 MSR_KERNEL_GS_BASE = 0xc0000102;

// RFLAGS bits.
constexpr u64 X86_EFLAGS_FIXED = 1ull << 1, X86_EFLAGS_TF = 1ull << 8, X86_EFLAGS_IF = 1ull << 9,
              X86_EFLAGS_DF = 1ull << 10, X86_EFLAGS_AC = 1ull << 18;

#define DEFINE_CR_ACCESSORS(n)                                                                     \
    inline u64 read_cr##n()                                                                        \
    {                                                                                              \
        u64 v;                                                                                     \
        asm volatile("mov %%cr" #n ", %0" : "=r"(v));                                             \
        return v;                                                                                  \
    }                                                                                              \
    inline void write_cr##n(u64 v) { asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (static_cast<u64>(hi) << 32) | lo;
}

inline void wrmsr(u32 msr, u64 value)
{
    asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<u32>(value)), "d"(static_cast<u32>(value >> 32)));
}

inline void invlpg(u64 address) { asm volatile("invlpg (%0)" ::"r"(address) : "memory"); }
inline void local_irq_disable() { asm volatile("cli" ::: "memory"); }
inline void local_irq_enable() { asm volatile("sti" ::: "memory"); }
inline void native_halt() { asm volatile("hlt" ::: "memory"); }

inline u64 native_save_fl()
{
    u64 flags;
    asm volatile("pushfq; popq %0" : "=r"(flags)::"memory");
    return flags;
}

// Interrupts off for the lifetime of the guard, restored (not blindly enabled) afterwards.
class IrqSaveGuard {
public:
    IrqSaveGuard() : m_flags(native_save_fl()) { local_irq_disable(); }
    ~IrqSaveGuard()
    {
        if (m_flags & X86_EFLAGS_IF)
            local_irq_enable();
    }
    IrqSaveGuard(const IrqSaveGuard&) = delete;
    IrqSaveGuard& operator=(const IrqSaveGuard&) = delete;

private:
    u64 m_flags;
};

// Interrupts on and wait for one: the idle instruction. "sti; hlt" is atomic with respect to
// interrupts (sti's one-instruction shadow), so a wake-up cannot slip in between.
inline void safe_halt() { asm volatile("sti; hlt" ::: "memory"); }

// Set up CR0/CR4/EFER to the same state on every boot path (lkmemu hands them over set, the PVH
// stub sets only what long mode needs).
void cpu_init();
