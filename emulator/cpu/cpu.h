// Cpu: the host's handle on the engine's x86-64 state — registers, MSRs, descriptor-table
// registers, the paging state the MMU needs, and memory access as the CPU itself would make it
// (supervisor, setting accessed/dirty bits), for the host's own pushes and table reads.
//
// Register reads cannot fail for the registers used here; if Unicorn ever says otherwise the
// first such error is kept (engine_error()) and the run loop stops with it.
#pragma once

#include "mmu/mmu.h"
#include "support/result.h"

#include <unicorn/unicorn.h>

#include <cstdint>
#include <optional>
#include <span>

namespace lkmemu {

struct DescriptorTable {
    uint64_t base;
    uint32_t limit;
};

class Cpu {
public:
    Cpu(uc_engine* uc, const Mmu& mmu) : m_uc(uc), m_mmu(mmu) {}
    void attach(uc_engine* uc) { m_uc = uc; }

    uint64_t read(uc_x86_reg) const;
    void write(uc_x86_reg, uint64_t);
    uint16_t read_selector(uc_x86_reg) const;
    void write_selector(uc_x86_reg, uint16_t);
    uint64_t read_msr(uint32_t) const;
    void write_msr(uint32_t, uint64_t);
    DescriptorTable read_table(uc_x86_reg) const; // GDTR, IDTR, TR (base/limit of the cached TSS)
    void write_table(uc_x86_reg, DescriptorTable);

    unsigned cpl() const { return read_selector(UC_X86_REG_CS) & 3; }
    PagingState paging_state() const;

    // Memory as the CPU accesses it for its own structures (IDT, GDT, TSS, stacks): supervisor,
    // through the current page tables, setting A/D bits. A denied access returns the #PF.
    std::optional<PageFault> read_system(uint64_t va, std::span<uint8_t>) const;
    std::optional<PageFault> write_system(uint64_t va, std::span<const uint8_t>);
    std::optional<PageFault> probe_system_write(uint64_t va, uint64_t length) const;

    const std::optional<Error>& engine_error() const { return m_engine_error; }
    // For engine calls made where no error can be returned (inside hooks): keeps the first
    // failure for the run loop to report.
    void note(uc_err, const char* what) const;

private:
    uc_engine* m_uc;
    const Mmu& m_mmu;
    mutable std::optional<Error> m_engine_error;
};

} // namespace lkmemu
