// The CPU engine's hooks: how Unicorn reaches the machine while uc_emu_start runs. Each records
// what happened (in the EventLatch) or serves it at once (MMU, port I/O), and stops the engine
// when the host has to act.
#include "cpu/x86.h"
#include "machine/machine_impl.h"

namespace lkmemu {

namespace {
Machine::Impl& impl(void* user) { return *static_cast<Machine::Impl*>(user); }

void record(Machine::Impl& m, CpuEvent event)
{
    if (!m.latch.event)
        m.latch.event = event;
    m.stop_engine();
}
} // namespace

bool hook_tlb_fill(uc_engine*, uint64_t va, uc_mem_type type, uc_tlb_entry* entry, void* user)
{
    return impl(user).fill_tlb(va, type, entry);
}

void hook_interrupt(uc_engine*, uint32_t intno, void* user)
{
    // Exceptions arrive here with RIP at the faulting instruction; int n / int3 with RIP after
    // it. Hardware interrupts never do (the host delivers them), so vectors >= 32, #BP and #OF
    // are software interrupts.
    CpuEvent e;
    e.vector = static_cast<uint8_t>(intno);
    e.kind = (intno >= 32 || intno == x86::vector::breakpoint || intno == x86::vector::overflow)
                 ? EventKind::SoftwareInterrupt
                 : EventKind::Exception;
    e.from_engine_interrupt = true;
    record(impl(user), e);
}

bool hook_invalid_instruction(uc_engine*, void* user)
{
    CpuEvent e;
    e.vector = x86::vector::invalid_opcode;
    auto& m = impl(user);
    if (!m.latch.event)
        m.latch.event = e;
    return false; // not handled: the engine stops with UC_ERR_INSN_INVALID, RIP at the instruction
}

void hook_syscall(uc_engine*, void* user)
{
    CpuEvent e;
    e.kind = EventKind::Syscall;
    record(impl(user), e);
}

uint32_t hook_in(uc_engine*, uint32_t port, int size, void* user)
{
    return impl(user).io.read(static_cast<uint16_t>(port), static_cast<unsigned>(size));
}

void hook_out(uc_engine*, uint32_t port, int size, uint32_t value, void* user)
{
    impl(user).io.write(static_cast<uint16_t>(port), static_cast<unsigned>(size), value);
}

void hook_block(uc_engine*, uint64_t address, uint32_t size, void* user)
{
    impl(user).on_block(address, size);
}

void Machine::Impl::on_power_off(uint32_t status)
{
    power_off_status = status;
    stop_engine();
}

void Machine::Impl::on_block(uint64_t address, uint32_t size)
{
    if (gate.is_hidden(address)) {
        previous_block_may_set_if = true; // not decoded: assume it may have
        return; // the host's own ring 3 -> 0 transition: not guest work
    }
    bool const previous_may_set_if = previous_block_may_set_if;
    previous_block_may_set_if = counter.on_block(address, size);
    bool stop = stop_requested.load(std::memory_order_relaxed);
    // Reading the clock costs ~20 ns; once every 64 blocks keeps timer latency in microseconds.
    if (++blocks_until_clock_check >= 64) {
        blocks_until_clock_check = 0;
        if (auto deadline = pit.next_deadline(); deadline && Pit8254::Clock::now() >= *deadline)
            stop = true;
    }
    // An interrupt that came due while IF was clear is taken as soon as the guest sets IF again
    // (sti, popf, iretq, sysretq all end a translated block), as hardware takes it — not at the
    // next clock check, which may land anywhere. RFLAGS is read (a costly engine call) only
    // after a block that ended in one of those, while an IRQ is pending. (An IRQ the guest
    // unmasks while the engine runs waits for the clock check, as before.)
    if (!stop && previous_may_set_if && !running_interrupt_shadow && irq_pending_at_start &&
        (cpu.read(UC_X86_REG_RFLAGS) & x86::rflags::if_))
        stop = true;
    if (stop) {
        latch.stopped_by_host = true;
        stop_engine();
    }
}

bool Machine::Impl::fill_tlb(uint64_t va, uc_mem_type type, uc_tlb_entry* entry)
{
    // The engine restored the CPU state first: RIP is the instruction making the access.
    uint64_t const rip = cpu.read(UC_X86_REG_RIP);
    bool const in_transition = rip == PrivilegeGate::trampoline_va;
    auto const privilege = (cpu.cpl() == 3 && !in_transition) ? Privilege::User : Privilege::Supervisor;
    if (privilege == Privilege::User)
        user_mode_reached = true;
    auto const access = type == UC_MEM_WRITE ? Access::Write : type == UC_MEM_FETCH ? Access::Execute : Access::Read;
    auto const state = cpu.paging_state();

    auto deny = [&](uint32_t error_code) {
        latch.page_fault = PageFault { va, error_code };
        latch.non_canonical = false;
        return false;
    };
    uint32_t access_bits = (access == Access::Write ? pf::write : 0) | (privilege == Privilege::User ? pf::user : 0) |
                           (access == Access::Execute ? pf::fetch : 0);

    if (gate.is_hidden(va)) {
        bool const supervisor_page = gate.is_supervisor_page(va);
        // User mode may fetch from the supervisor page (its code is a hlt, which #GPs at CPL 3)
        // but not read or write it. The fetch must succeed: at the end of every uc_emu_start,
        // Unicorn translates the `until` address (the landing, on this page) to throw away its
        // translation, in whatever mode the CPU then is; a denial there would post a bogus #PF.
        if (supervisor_page && privilege == Privilege::User && access != Access::Execute)
            return deny(pf::present | access_bits);
        if (!supervisor_page && access == Access::Write)
            return deny(pf::present | access_bits);
        entry->paddr = gate.physical_of(va);
        if (supervisor_page)
            entry->perms = privilege == Privilege::User ? UC_PROT_EXEC : UC_PROT_ALL;
        else
            entry->perms = static_cast<uc_prot>(UC_PROT_READ | UC_PROT_EXEC);
        return true;
    }

    if (state.paging_enabled() && !x86::is_canonical(va)) {
        // Hardware checks canonical form before any page walk and raises #GP(0) (#SS(0) for a
        // stack access; not distinguished here).
        latch.page_fault = PageFault { va, 0 };
        latch.non_canonical = true;
        return false;
    }
    auto const walk = mmu.walk(state, va, access, privilege, WalkMode::Update);
    if (!walk.ok) {
        // The hook sees the page, not the byte. A fetch faults at RIP when RIP is on this page
        // (else the instruction straddles into it: its first byte). A data access: decode.
        uint64_t address = va;
        if (access == Access::Execute) {
            if ((rip & ~0xfffull) == va)
                address = rip;
        } else {
            address = fault_address.resolve(
                va, rip, [&](uint64_t at, std::span<uint8_t> out) { return !machine.read_virtual(at, out).is_error(); },
                [&](int reg) { return cpu.read(static_cast<uc_x86_reg>(reg)); });
        }
        latch.page_fault = PageFault { address, walk.fault.error_code };
        latch.non_canonical = false;
        return false;
    }
    if (access == Access::Write)
        counter.invalidate_page(va & ~0xfffull); // code may be written here: drop cached counts
    auto const& t = walk.translation;
    int perms = UC_PROT_READ;
    bool may_write, may_execute;
    if (privilege == Privilege::User) {
        may_write = t.writable;
        may_execute = t.executable;
    } else {
        may_write = t.writable || !(state.cr0 & x86::cr0::wp);
        may_execute = t.executable && !(t.user && (state.cr4 & x86::cr4::smep));
        if (t.user && (state.cr4 & x86::cr4::smap) && !state.alignment_check)
            perms = 0; // SMAP: no data access to user pages
    }
    // Grant write only once the page is dirty, so the first write comes back here and sets D.
    if (may_write && t.dirty && perms)
        perms |= UC_PROT_WRITE;
    if (may_execute)
        perms |= UC_PROT_EXEC;
    entry->paddr = t.physical & ~0xfffull;
    entry->perms = static_cast<uc_prot>(perms);
    return true;
}

} // namespace lkmemu
