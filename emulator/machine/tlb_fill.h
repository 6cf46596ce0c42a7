// TlbFill: the engine's TLB-fill hook (UC_TLB_VIRTUAL). QEMU asks on every TLB miss; the answer
// is Mmu::walk's verdict (or the privilege gate's, for its hidden pages) transcribed into a
// uc_tlb_entry, or the fault the access raises, recorded in the EventLatch for the run loop.
// No permission is decided here: the policy is Mmu::walk's alone. Every entry that grants
// execute is recorded in ExecutedPages, for a restore to forget only the code it changed.
#pragma once

#include "cpu/cpu.h"
#include "cpu/event.h"
#include "cpu/fault_address.h"
#include "cpu/privilege_gate.h"
#include "machine/executed_pages.h"
#include "machine/instruction_counter.h"
#include "mmu/mmu.h"
#include "support/result.h"

#include <unicorn/unicorn.h>

#include <cstdint>
#include <functional>
#include <span>

namespace lkmemu {

class TlbFill {
public:
    // read_virtual: the observer's view of guest memory, for decoding the faulting instruction.
    using MemoryReader = std::function<bool(uint64_t va, std::span<uint8_t> out)>;

    TlbFill(const Cpu&, const Mmu&, const PrivilegeGate&, EventLatch&, InstructionCounter&, MemoryReader read_virtual);

    // The hook's body: fills `entry` and returns true, or records the fault and returns false.
    bool fill(uint64_t va, uc_mem_type, uc_tlb_entry* entry);

    // An access at CPL 3 (outside the ring 3 -> 0 transition) was ever translated.
    bool user_access_seen() const { return m_user_access_seen; }

    ExecutedPages& executed_pages() { return m_executed; }

    // Drops the engine's translated code on the guest-physical pages [begin, end) of each range
    // (page-aligned; guest RAM or the privilege gate's pages), with the engine stopped. Unicorn
    // 2.1.4 removes code only by a virtual address it translates through this hook
    // (uc_ctl_remove_cache; the blocks go by the physical page behind it), so meanwhile the hook
    // answers every address with the same physical one; the TLB is flushed before (so no entry
    // of the guest's answers instead) and after (so none of these is left).
    struct PhysicalRange {
        uint64_t begin, end;
    };
    Result<void> remove_translated_code(uc_engine*, std::span<const PhysicalRange>);

private:
    bool deny(const WalkResult&, uint64_t va, Access, uint64_t rip);

    const Cpu& m_cpu;
    const Mmu& m_mmu;
    const PrivilegeGate& m_gate;
    EventLatch& m_latch;
    InstructionCounter& m_counter;
    MemoryReader m_read_virtual;
    FaultAddress m_fault_address;
    ExecutedPages m_executed;
    bool m_user_access_seen = false;
    bool m_identity = false; // remove_translated_code is naming physical pages
};

} // namespace lkmemu
