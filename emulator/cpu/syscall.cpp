#include "cpu/syscall.h"

#include "cpu/x86.h"

#include <fmt/format.h>

namespace lkmemu {

Result<std::optional<CpuEvent>> emulate_syscall(uc_engine* uc, Cpu& cpu, PrivilegeGate& gate, EventLatch& latch)
{
    uint64_t const return_rip = cpu.read(UC_X86_REG_RIP); // the engine already stepped over `syscall`
    if (!(cpu.read_msr(x86::msr::efer) & x86::efer::sce)) {
        cpu.write(UC_X86_REG_RIP, return_rip - 2);
        CpuEvent ud;
        ud.vector = x86::vector::invalid_opcode;
        return std::optional<CpuEvent>(ud);
    }
    uint64_t const star = cpu.read_msr(x86::msr::star);
    uint64_t const lstar = cpu.read_msr(x86::msr::lstar);
    uint64_t const fmask = cpu.read_msr(x86::msr::fmask);
    uint64_t const rflags = cpu.read(UC_X86_REG_RFLAGS);
    uint64_t const rsp = cpu.read(UC_X86_REG_RSP);
    auto const cs = static_cast<uint16_t>((star >> 32) & 0xfffc);

    if (cpu.cpl() != 0) {
        auto fault = LKMEMU_TRY(gate.enter_ring0(uc, cpu, latch, cs));
        if (fault) {
            return make_error(fmt::format("SYSCALL from ring 3 could not reach ring 0: {} in the transition "
                                          "(it needs a loaded TSS whose RSP0 stack is mapped)",
                                          fault->describe()));
        }
        cpu.write(UC_X86_REG_RSP, rsp);
    } else {
        cpu.write_selector(UC_X86_REG_CS, cs);
    }
    cpu.write_selector(UC_X86_REG_SS, static_cast<uint16_t>(cs + 8));
    cpu.write(UC_X86_REG_RCX, return_rip);
    cpu.write(UC_X86_REG_R11, rflags & ~x86::rflags::rf);
    cpu.write(UC_X86_REG_RFLAGS, (rflags & ~fmask & ~x86::rflags::rf) | x86::rflags::fixed);
    cpu.write(UC_X86_REG_RIP, lstar);
    if (auto const& error = cpu.engine_error())
        return *error;
    return std::optional<CpuEvent> {};
}

} // namespace lkmemu
