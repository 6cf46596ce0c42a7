#include "cpu/privilege_gate.h"

#include "cpu/x86.h"
#include "support/uc_check.h"

#include <fmt/format.h>

#include <cstring>
#include <vector>

namespace lkmemu {

namespace {
constexpr uint64_t far_pointer_offset = 0x800; // in the trampoline page
} // namespace

PrivilegeGate::PrivilegeGate(std::span<uint8_t> pages, uint64_t physical) : m_pages(pages), m_physical(physical)
{
    std::memset(m_pages.data(), 0, m_pages.size());
    // trampoline + 0: rex.w lcall *0x7f9(%rip)   ; 48 ff 1d f9 07 00 00 -> far pointer at +0x800
    // trampoline + 7: ud2                        ; 0f 0b
    static constexpr uint8_t trampoline[] = { 0x48, 0xff, 0x1d, 0xf9, 0x07, 0x00, 0x00, 0x0f, 0x0b };
    std::memcpy(m_pages.data(), trampoline, sizeof trampoline);
    uint64_t const offset = 0; // ignored for a call gate
    uint16_t const selector = gate_selector;
    std::memcpy(m_pages.data() + far_pointer_offset, &offset, 8);
    std::memcpy(m_pages.data() + far_pointer_offset + 8, &selector, 2);
    // landing: hlt ; ud2 (the run stops at the landing address before executing it)
    static constexpr uint8_t landing[] = { 0xf4, 0x0f, 0x0b };
    std::memcpy(m_pages.data() + 4096 + (landing_va - supervisor_va), landing, sizeof landing);
}

WalkResult PrivilegeGate::translate(const PagingState& state, uint64_t va, Access access, Privilege privilege) const
{
    WalkResult result;
    Permissions permitted { true, false, true };
    if (is_supervisor_page(va)) {
        // User mode may fetch from the supervisor page (its code is a hlt, which #GPs at CPL 3)
        // but not read or write it. The fetch must succeed: at the end of every uc_emu_start,
        // Unicorn translates the `until` address (the landing, on this page) to throw away its
        // translation, in whatever mode the CPU then is; a denial there would post a bogus #PF.
        permitted = privilege == Privilege::User ? Permissions { false, false, true } : Permissions { true, true, true };
    }
    if (!permitted.allows(access)) {
        result.fault = PageFault { va, x86::pf::present | page_fault_access_bits(state, access, privilege) };
        return result;
    }
    result.ok = true;
    result.translation = Translation { physical_of(va), 4096, permitted.write, privilege == Privilege::User, true, true, permitted };
    return result;
}

Result<std::optional<CpuEvent>> PrivilegeGate::enter_ring0(uc_engine* uc, Cpu& cpu, EventLatch& latch, uint16_t target_cs)
{
    auto const guest_gdtr = cpu.read_table(UC_X86_REG_GDTR);
    uint64_t const gdt_bytes = uint64_t(guest_gdtr.limit) + 1;
    if (gdt_bytes > max_guest_gdt_bytes)
        return make_error(fmt::format("the guest GDT is {} bytes; the ring 3 -> 0 transition can copy at most {}",
                                      gdt_bytes, max_guest_gdt_bytes));
    std::vector<uint8_t> gdt(gdt_bytes);
    if (auto fault = cpu.read_system(guest_gdtr.base, gdt))
        return make_error(fmt::format("the guest GDT at {:#x} is not mapped (page fault at {:#x})", guest_gdtr.base, fault->address));

    uint8_t* supervisor = m_pages.data() + 4096;
    std::memset(supervisor, 0, gate_offset);
    std::memcpy(supervisor, gdt.data(), gdt.size());
    // 64-bit call gate: type 0xc, DPL 3, present, to target_cs:landing_va.
    uint64_t const low = (landing_va & 0xffff) | (uint64_t(target_cs) << 16) | (uint64_t(0xc | (3 << 5) | 0x80) << 40) |
                         ((landing_va >> 16) & 0xffff) << 48;
    uint64_t const high = landing_va >> 32;
    std::memcpy(supervisor + gate_offset, &low, 8);
    std::memcpy(supervisor + gate_offset + 8, &high, 8);

    cpu.write_table(UC_X86_REG_GDTR, DescriptorTable { supervisor_va, gate_offset + 15 });
    latch.clear();
    uc_err const err = uc_emu_start(uc, trampoline_va, landing_va, 0, 0);
    cpu.write_table(UC_X86_REG_GDTR, guest_gdtr);

    if (latch.event)
        return std::optional<CpuEvent>(*latch.event);
    if (err == UC_ERR_EXCEPTION && latch.page_fault) {
        CpuEvent fault;
        fault.vector = latch.non_canonical ? 13 : 14;
        fault.error_code = latch.non_canonical ? 0 : latch.page_fault->error_code;
        fault.cr2 = latch.page_fault->address;
        return std::optional<CpuEvent>(fault);
    }
    LKMEMU_TRY(uc_check(err, "ring 3 -> 0 transition through the call gate"));
    uint64_t const rip = cpu.read(UC_X86_REG_RIP);
    if (rip != landing_va || cpu.cpl() != 0)
        return make_error(fmt::format("ring 3 -> 0 transition did not land: RIP {:#x}, CPL {}", rip, cpu.cpl()));
    return std::optional<CpuEvent> {};
}

} // namespace lkmemu
