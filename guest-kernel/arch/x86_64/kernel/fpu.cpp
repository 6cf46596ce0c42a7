// The FPU for user space: the initial state, and saving and loading it with FXSAVE/FXRSTOR
// (asm/fpu.h says why eagerly). glibc uses SSE from its first instructions.
#include <asm/fpu.h>

namespace {

constexpr u16 FCW_DEFAULT = 0x037f;   // Linux's init_fpstate: exceptions masked, extended precision
constexpr u32 MXCSR_DEFAULT = 0x1f80; // SIMD exceptions masked, round to nearest

} // namespace

void fpstate_init(fpu* f)
{
    f->state = {};
    f->state.cwd = FCW_DEFAULT;
    f->state.mxcsr = MXCSR_DEFAULT;
}

void fpu__init_cpu()
{
    u32 mxcsr = MXCSR_DEFAULT;
    asm volatile("fninit\n\t"
                 "ldmxcsr %0" ::"m"(mxcsr));
}

void fpu_save(fpu* f) { asm volatile("fxsave64 %0" : "=m"(f->state)); }

void fpu_restore(const fpu* f) { asm volatile("fxrstor64 %0" ::"m"(f->state)); }
