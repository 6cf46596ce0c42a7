#include "machine/tlb_fill.h"

#include "support/uc_check.h"

namespace lkmemu {

TlbFill::TlbFill(const Cpu& cpu, const Mmu& mmu, const PrivilegeGate& gate, EventLatch& latch, InstructionCounter& counter,
                 MemoryReader read_virtual)
    : m_cpu(cpu), m_mmu(mmu), m_gate(gate), m_latch(latch), m_counter(counter), m_read_virtual(std::move(read_virtual))
{
}

bool TlbFill::fill(uint64_t va, uc_mem_type type, uc_tlb_entry* entry)
{
    if (m_identity) [[unlikely]] {
        entry->paddr = va & ~0xfffull;
        entry->perms = static_cast<uc_prot>(UC_PROT_READ | UC_PROT_WRITE | UC_PROT_EXEC);
        return true;
    }
    // The engine restored the CPU state first: RIP is the instruction making the access. While
    // the privilege gate's lcall runs, CS still says CPL 3 but the CPU works at ring 0.
    uint64_t const rip = m_cpu.read(UC_X86_REG_RIP);
    bool const in_transition = rip == PrivilegeGate::trampoline_va;
    auto const privilege = (m_cpu.cpl() == 3 && !in_transition) ? Privilege::User : Privilege::Supervisor;
    if (privilege == Privilege::User)
        m_user_access_seen = true;
    auto const access = type == UC_MEM_WRITE ? Access::Write : type == UC_MEM_FETCH ? Access::Execute : Access::Read;
    auto const state = m_cpu.paging_state();

    auto const walk = m_gate.is_hidden(va) ? m_gate.translate(state, va, access, privilege)
                                           : m_mmu.walk(state, va, access, privilege, WalkMode::Update);
    if (!walk.ok)
        return deny(walk, va, access, rip);
    if (access == Access::Write)
        m_counter.invalidate_page(va & ~0xfffull); // code may be written here: drop cached counts

    // QEMU keeps one TLB per privilege, so the entry holds what this privilege may do.
    auto const allowed = walk.translation.cacheable();
    entry->paddr = walk.translation.physical & ~0xfffull;
    entry->perms = static_cast<uc_prot>((allowed.read ? UC_PROT_READ : 0) | (allowed.write ? UC_PROT_WRITE : 0) |
                                        (allowed.execute ? UC_PROT_EXEC : 0));
    if (allowed.execute)
        m_executed.note(va & ~0xfffull, entry->paddr);
    return true;
}

Result<void> TlbFill::remove_translated_code(uc_engine* uc, std::span<const PhysicalRange> ranges)
{
    LKMEMU_TRY(uc_check(uc_ctl_flush_tlb(uc), "flushing the TLB"));
    m_identity = true;
    Result<void> removed;
    for (const PhysicalRange& range : ranges) {
        removed = uc_check(uc_ctl_remove_cache(uc, range.begin, range.end), "dropping the translated code of restored pages");
        if (removed.is_error())
            break;
    }
    m_identity = false;
    LKMEMU_TRY(uc_check(uc_ctl_flush_tlb(uc), "flushing the TLB"));
    return removed;
}

bool TlbFill::deny(const WalkResult& walk, uint64_t va, Access access, uint64_t rip)
{
    m_latch.non_canonical = walk.non_canonical;
    if (walk.non_canonical) {
        m_latch.page_fault = PageFault { va, 0 };
        return false;
    }
    // The hook sees the page, not the byte. A fetch faults at RIP when RIP is on this page (else
    // the instruction straddles into it: its first byte). A data access: decode the instruction.
    uint64_t address = va;
    if (access == Access::Execute) {
        if ((rip & ~0xfffull) == va)
            address = rip;
    } else if (!m_gate.is_hidden(va)) {
        address = m_fault_address.resolve(va, rip, m_read_virtual,
                                          [&](int reg) { return m_cpu.read(static_cast<uc_x86_reg>(reg)); });
    }
    m_latch.page_fault = PageFault { address, walk.fault.error_code };
    return false;
}

} // namespace lkmemu
