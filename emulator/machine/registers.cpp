// Machine's register access: the named snapshot (Registers) and any engine register by its
// Unicorn id, for the gdb stub.
#include "cpu/x86.h"
#include "machine/machine_impl.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace lkmemu {

Registers Machine::registers() const
{
    auto const& cpu = m_impl->cpu;
    Registers r {};
    r.rax = cpu.read(UC_X86_REG_RAX);
    r.rbx = cpu.read(UC_X86_REG_RBX);
    r.rcx = cpu.read(UC_X86_REG_RCX);
    r.rdx = cpu.read(UC_X86_REG_RDX);
    r.rsi = cpu.read(UC_X86_REG_RSI);
    r.rdi = cpu.read(UC_X86_REG_RDI);
    r.rbp = cpu.read(UC_X86_REG_RBP);
    r.rsp = cpu.read(UC_X86_REG_RSP);
    r.r8 = cpu.read(UC_X86_REG_R8);
    r.r9 = cpu.read(UC_X86_REG_R9);
    r.r10 = cpu.read(UC_X86_REG_R10);
    r.r11 = cpu.read(UC_X86_REG_R11);
    r.r12 = cpu.read(UC_X86_REG_R12);
    r.r13 = cpu.read(UC_X86_REG_R13);
    r.r14 = cpu.read(UC_X86_REG_R14);
    r.r15 = cpu.read(UC_X86_REG_R15);
    r.rip = cpu.read(UC_X86_REG_RIP);
    r.rflags = cpu.read(UC_X86_REG_RFLAGS);
    r.cs = cpu.read_selector(UC_X86_REG_CS);
    r.ss = cpu.read_selector(UC_X86_REG_SS);
    r.ds = cpu.read_selector(UC_X86_REG_DS);
    r.es = cpu.read_selector(UC_X86_REG_ES);
    r.fs = cpu.read_selector(UC_X86_REG_FS);
    r.gs = cpu.read_selector(UC_X86_REG_GS);
    r.fs_base = cpu.read_msr(x86::msr::fs_base);
    r.gs_base = cpu.read_msr(x86::msr::gs_base);
    r.kernel_gs_base = cpu.read_msr(x86::msr::kernel_gs_base);
    r.cr0 = cpu.read(UC_X86_REG_CR0);
    r.cr2 = cpu.read(UC_X86_REG_CR2);
    r.cr3 = cpu.read(UC_X86_REG_CR3);
    r.cr4 = cpu.read(UC_X86_REG_CR4);
    r.cr8 = cpu.read(UC_X86_REG_CR8);
    r.efer = cpu.read_msr(x86::msr::efer);
    return r;
}

Result<void> Machine::read_engine_register(int reg, std::span<uint8_t> bytes) const
{
    size_t size = bytes.size();
    return uc_check(uc_reg_read2(m_impl->uc.get(), reg, bytes.data(), &size), fmt::format("reading register {}", reg));
}

Result<void> Machine::write_engine_register(int reg, std::span<const uint8_t> bytes)
{
    auto& m = *m_impl;
    if (reg == UC_X86_REG_CS || reg == UC_X86_REG_SS) {
        uint16_t current = m.cpu.read_selector(static_cast<uc_x86_reg>(reg));
        uint16_t wanted = 0;
        std::memcpy(&wanted, bytes.data(), std::min<size_t>(bytes.size(), 2));
        if (wanted != current)
            return make_error(fmt::format("cannot change {} from {:#x} to {:#x}: the privilege level changes only by "
                                          "instructions the guest executes",
                                          reg == UC_X86_REG_CS ? "CS" : "SS", current, wanted));
        return {};
    }
    size_t size = bytes.size();
    LKMEMU_TRY(uc_check(uc_reg_write2(m.uc.get(), reg, bytes.data(), &size), fmt::format("writing register {}", reg)));
    bool const changes_translation = reg == UC_X86_REG_CR0 || reg == UC_X86_REG_CR3 || reg == UC_X86_REG_CR4 ||
                                     reg == UC_X86_REG_MSR;
    if (changes_translation) {
        LKMEMU_TRY(uc_check(uc_ctl_flush_tlb(m.uc.get()), "flushing the TLB"));
        m.counter.invalidate();
    }
    return {};
}

} // namespace lkmemu
