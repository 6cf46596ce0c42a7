#include "cpu/cpu.h"

#include "cpu/x86.h"
#include "support/uc_check.h"

#include <cstring>

namespace lkmemu {

void Cpu::note(uc_err err, const char* what) const
{
    if (err != UC_ERR_OK && !m_engine_error)
        m_engine_error = uc_check(err, what).error();
}

uint64_t Cpu::read(uc_x86_reg reg) const
{
    uint64_t value = 0;
    note(uc_reg_read(m_uc, reg, &value), "reading a register");
    return value;
}

void Cpu::write(uc_x86_reg reg, uint64_t value)
{
    note(uc_reg_write(m_uc, reg, &value), "writing a register");
}

uint16_t Cpu::read_selector(uc_x86_reg reg) const
{
    uint16_t value = 0;
    note(uc_reg_read(m_uc, reg, &value), "reading a segment register");
    return value;
}

void Cpu::write_selector(uc_x86_reg reg, uint16_t value)
{
    note(uc_reg_write(m_uc, reg, &value), "writing a segment register");
}

uint64_t Cpu::read_msr(uint32_t index) const
{
    uc_x86_msr msr { index, 0 };
    note(uc_reg_read(m_uc, UC_X86_REG_MSR, &msr), "reading an MSR");
    return msr.value;
}

void Cpu::write_msr(uint32_t index, uint64_t value)
{
    uc_x86_msr msr { index, value };
    note(uc_reg_write(m_uc, UC_X86_REG_MSR, &msr), "writing an MSR");
}

DescriptorTable Cpu::read_table(uc_x86_reg reg) const
{
    uc_x86_mmr mmr {};
    note(uc_reg_read(m_uc, reg, &mmr), "reading a descriptor-table register");
    return DescriptorTable { mmr.base, mmr.limit };
}

void Cpu::write_table(uc_x86_reg reg, DescriptorTable table)
{
    uc_x86_mmr mmr {};
    if (reg == UC_X86_REG_TR) // keep the selector and flags of a loaded TR
        note(uc_reg_read(m_uc, reg, &mmr), "reading TR");
    mmr.base = table.base;
    mmr.limit = table.limit;
    note(uc_reg_write(m_uc, reg, &mmr), "writing a descriptor-table register");
}

PagingState Cpu::paging_state() const
{
    PagingState state;
    state.cr0 = read(UC_X86_REG_CR0);
    state.cr3 = read(UC_X86_REG_CR3);
    state.cr4 = read(UC_X86_REG_CR4);
    state.efer = read_msr(x86::msr::efer);
    // The CPU's own accesses (IDT, stacks) are "implicit supervisor" and ignore RFLAGS.AC; they
    // never touch user pages in a sane kernel, so SMAP is left to the walk as for explicit ones.
    state.alignment_check = read(UC_X86_REG_RFLAGS) & x86::rflags::ac;
    return state;
}

std::optional<PageFault> Cpu::read_system(uint64_t va, std::span<uint8_t> out) const
{
    auto const state = paging_state();
    size_t done = 0;
    while (done < out.size()) {
        uint64_t const at = va + done;
        auto const walk = m_mmu.walk(state, at, Access::Read, Privilege::Supervisor, WalkMode::Update);
        if (!walk.ok)
            return walk.fault;
        size_t const chunk = std::min<uint64_t>(out.size() - done, 4096 - (at & 0xfff));
        auto const ram = m_mmu.ram();
        if (walk.translation.physical + chunk > ram.size())
            return PageFault { at, 0 };
        std::memcpy(out.data() + done, ram.data() + walk.translation.physical, chunk);
        done += chunk;
    }
    return std::nullopt;
}

std::optional<PageFault> Cpu::probe_system_write(uint64_t va, uint64_t length) const
{
    auto const state = paging_state();
    for (uint64_t page = va & ~0xfffull; page < va + length; page += 4096) {
        uint64_t const at = std::max(page, va);
        auto const walk = m_mmu.walk(state, at, Access::Write, Privilege::Supervisor, WalkMode::Observe);
        if (!walk.ok)
            return walk.fault;
        if (walk.translation.physical + 1 > m_mmu.ram().size())
            return PageFault { at, x86::pf::write };
    }
    return std::nullopt;
}

std::optional<PageFault> Cpu::write_system(uint64_t va, std::span<const uint8_t> in)
{
    auto const state = paging_state();
    size_t done = 0;
    while (done < in.size()) {
        uint64_t const at = va + done;
        auto const walk = m_mmu.walk(state, at, Access::Write, Privilege::Supervisor, WalkMode::Update);
        if (!walk.ok)
            return walk.fault;
        size_t const chunk = std::min<uint64_t>(in.size() - done, 4096 - (at & 0xfff));
        auto const ram = m_mmu.ram();
        if (walk.translation.physical + chunk > ram.size())
            return PageFault { at, x86::pf::write };
        std::memcpy(ram.data() + walk.translation.physical, in.data() + done, chunk);
        done += chunk;
    }
    return std::nullopt;
}

} // namespace lkmemu
