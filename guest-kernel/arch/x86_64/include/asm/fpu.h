// The x87/SSE state of user space (arch/x86_64/kernel/fpu.cpp). The kernel is built without SSE
// and never touches these registers, so each task's state stays in the CPU while it runs and is
// switched eagerly: FXSAVE of the old task, FXRSTOR of the new (Linux's switch_fpu_prepare /
// switch_fpu_finish, without XSAVE).
#pragma once

#include <kernel/types.h>

// The FXSAVE image (Intel SDM vol. 1, 10.5.1): 512 bytes, 16-byte aligned.
struct alignas(16) fxregs_state {
    u16 cwd; // x87 control word
    u16 swd; // status word
    u16 twd; // abridged tag word
    u16 fop;
    u64 rip;
    u64 rdp;
    u32 mxcsr;
    u32 mxcsr_mask;
    u8 st_space[128];  // ST0-7 / MM0-7, 16 bytes each
    u8 xmm_space[256]; // XMM0-15
    u8 padding[96];
};
static_assert(sizeof(fxregs_state) == 512);

struct fpu {
    fxregs_state state;
};

// At boot (after cpu_init set CR0.MP, CR4.OSFXSR and CR4.OSXMMEXCPT): the CPU's registers to the
// initial state, which every new task starts from.
void fpu__init_cpu();
// A task's state to the initial one (Linux's init_fpstate): FCW 0x37f (all exceptions masked,
// 64-bit precision), MXCSR 0x1f80 (all SIMD exceptions masked), empty registers.
void fpstate_init(fpu* f);
// Save the CPU's state into f / load f into the CPU.
void fpu_save(fpu* f);
void fpu_restore(const fpu* f);
