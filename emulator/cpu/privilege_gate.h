// PrivilegeGate: how the host takes the CPU from ring 3 to ring 0.
//
// The engine cannot change CPL by register writes (writing CS changes only the selector), and it
// never delivers interrupts or SYSCALL itself. So ring 3 -> ring 0 is made by an instruction the
// guest CPU executes natively: a far call through a 64-bit call gate. Two hidden pages at the top
// of the address space hold the machinery; the MMU hook serves them from a host-owned physical
// page pair outside guest RAM whatever the guest's page tables say (the kernel never maps
// [0xffffffffffffe000, 2^64): docs/architecture.md):
//
//   0xffffffffffffe000 (user r-x):  lcall *far_pointer(%rip) ; ud2     far_pointer = {0, gate selector}
//   0xfffffffffffff000 (supervisor): a copy of the guest's GDT, the call gate, and the landing `hlt`
//
// enter_ring0(cs): copy the guest GDT into the hidden page, add a DPL-3 call gate to (cs, landing),
// point GDTR at the copy, run from the trampoline until the landing address, restore the guest's
// GDTR. The CPU is then at CPL 0 with CS = cs (descriptor from the guest's own GDT), SS = NULL and
// RSP = TSS.RSP0 - 32 (the far call's frame), ready for the host to build the real frame.
// While the lcall runs, CS still says CPL 3 but the CPU reads the GDT and TSS and pushes on the
// ring-0 stack: the MMU hook treats every access made with RIP at the lcall as supervisor.
#pragma once

#include "cpu/cpu.h"
#include "cpu/event.h"
#include "support/result.h"

#include <unicorn/unicorn.h>

#include <cstdint>
#include <optional>
#include <span>

namespace lkmemu {

class PrivilegeGate {
public:
    static constexpr uint64_t trampoline_va = 0xffffffffffffe000ull;
    static constexpr uint64_t supervisor_va = 0xfffffffffffff000ull;
    static constexpr uint64_t hidden_base = trampoline_va;
    static constexpr uint64_t landing_va = supervisor_va + 0xff0;
    static constexpr uint64_t gate_offset = 0xfe0;         // in the supervisor page
    static constexpr uint16_t gate_selector = gate_offset | 3;
    static constexpr uint64_t max_guest_gdt_bytes = gate_offset;

    // The two host pages (trampoline, then supervisor), mapped at `physical` in the engine.
    explicit PrivilegeGate(std::span<uint8_t> pages, uint64_t physical);

    bool is_hidden(uint64_t va) const { return va >= hidden_base; }
    uint64_t physical_of(uint64_t va) const { return m_physical + (va - hidden_base); }
    bool is_supervisor_page(uint64_t va) const { return va >= supervisor_va; }

    // The hidden pages' fixed mapping, in the MMU's terms, for a va that is_hidden(): the
    // trampoline page r-x at any privilege, the supervisor page rwx for the supervisor and
    // fetch-only for user mode (see privilege_gate.cpp for why the fetch must succeed).
    WalkResult translate(const PagingState&, uint64_t va, Access, Privilege) const;

    // Ring 3 -> ring 0 with CS = target_cs. Returns the fault the CPU raised on the way (e.g. #PF
    // on an unmapped TSS.RSP0 stack; the guest is still in ring 3 then), or nothing on success.
    Result<std::optional<CpuEvent>> enter_ring0(uc_engine*, Cpu&, EventLatch&, uint16_t target_cs);

private:
    std::span<uint8_t> m_pages;
    uint64_t m_physical;
};

} // namespace lkmemu
