#include "cpu/interrupt_delivery.h"

#include "cpu/x86.h"

#include <fmt/format.h>

#include <cstring>

namespace lkmemu {

namespace {

CpuEvent exception(uint8_t vector, uint32_t error_code)
{
    CpuEvent e;
    e.kind = EventKind::Exception;
    e.vector = vector;
    e.error_code = error_code;
    return e;
}

CpuEvent page_fault(const PageFault& fault)
{
    CpuEvent e = exception(x86::vector::page_fault, fault.error_code);
    e.cr2 = fault.address;
    return e;
}

bool is_page_fault(const CpuEvent& e) { return e.kind == EventKind::Exception && e.vector == x86::vector::page_fault; }

bool makes_double_fault(const CpuEvent& first, const CpuEvent& second)
{
    if (first.kind != EventKind::Exception)
        return false; // interrupts are benign: the fault is delivered by itself
    if (x86::is_contributory(first.vector) && x86::is_contributory(second.vector))
        return true;
    return first.vector == x86::vector::page_fault &&
           (second.vector == x86::vector::page_fault || x86::is_contributory(second.vector));
}

} // namespace

Result<DeliveryOutcome> InterruptDelivery::deliver(const CpuEvent& event)
{
    uint64_t const rip = m_cpu.read(UC_X86_REG_RIP);
    uint64_t const rsp = m_cpu.read(UC_X86_REG_RSP);
    DeliveryOutcome outcome;
    outcome.chain = event.describe();
    CpuEvent current = event;
    for (int depth = 0;; ++depth) {
        auto nested = LKMEMU_TRY(try_deliver(current));
        if (!nested)
            return outcome;
        // The failed attempt may have moved RIP/RSP (a faulting transition): the next one starts
        // from the state of the original event.
        m_cpu.write(UC_X86_REG_RIP, rip);
        m_cpu.write(UC_X86_REG_RSP, rsp);
        outcome.chain += " -> " + nested->describe();
        // CR2 is loaded when a page fault is recognised, even one that turns into a #DF: the #DF
        // handler reads it to tell a kernel stack overflow (a fault on the guard page).
        if (is_page_fault(*nested))
            m_cpu.write(UC_X86_REG_CR2, nested->cr2);
        if ((current.kind == EventKind::Exception && current.vector == x86::vector::double_fault) || depth > 8) {
            outcome.triple_fault = true;
            return outcome;
        }
        current = makes_double_fault(current, *nested) ? exception(x86::vector::double_fault, 0) : *nested;
        if (current.vector == x86::vector::double_fault)
            outcome.chain += " -> #DF";
    }
}

Result<std::optional<CpuEvent>> InterruptDelivery::try_deliver(const CpuEvent& event)
{
    using Fault = std::optional<CpuEvent>;
    uint32_t const ext = event.kind == EventKind::SoftwareInterrupt ? 0 : 1;
    uint32_t const idt_error = uint32_t(event.vector) * 8 + 2 + ext;
    if (is_page_fault(event))
        m_cpu.write(UC_X86_REG_CR2, event.cr2);

    // The gate.
    auto const idtr = m_cpu.read_table(UC_X86_REG_IDTR);
    if (uint64_t(event.vector) * 16 + 15 > idtr.limit)
        return Fault(exception(x86::vector::general_protection, idt_error));
    uint64_t raw_gate[2];
    if (auto fault = m_cpu.read_system(idtr.base + uint64_t(event.vector) * 16,
                                       { reinterpret_cast<uint8_t*>(raw_gate), sizeof raw_gate }))
        return Fault(page_fault(*fault));
    auto const gate = x86::IdtGate::decode(raw_gate[0], raw_gate[1]);
    if (gate.type != 0xe && gate.type != 0xf)
        return Fault(exception(x86::vector::general_protection, idt_error));
    unsigned const cpl = m_cpu.cpl();
    if (event.kind == EventKind::SoftwareInterrupt && cpl > gate.dpl)
        return Fault(exception(x86::vector::general_protection, idt_error));
    if (!gate.present)
        return Fault(exception(x86::vector::segment_not_present, idt_error));

    // The handler's code segment: a present 64-bit code segment in the GDT.
    uint16_t const selector = gate.selector;
    uint32_t const selector_error = (selector & 0xfffc) + ext;
    if ((selector & 0xfffc) == 0 || (selector & 4))
        return Fault(exception(x86::vector::general_protection, selector_error));
    auto const gdtr = m_cpu.read_table(UC_X86_REG_GDTR);
    if ((selector | 7u) > gdtr.limit)
        return Fault(exception(x86::vector::general_protection, selector_error));
    uint64_t descriptor = 0;
    if (auto fault = m_cpu.read_system(gdtr.base + (selector & 0xfff8), { reinterpret_cast<uint8_t*>(&descriptor), 8 }))
        return Fault(page_fault(*fault));
    bool const is_code = ((descriptor >> 43) & 1) && ((descriptor >> 44) & 1);
    unsigned const dpl = (descriptor >> 45) & 3;
    if (!is_code || !((descriptor >> 53) & 1) || dpl > cpl)
        return Fault(exception(x86::vector::general_protection, selector_error));
    if (!((descriptor >> 47) & 1))
        return Fault(exception(x86::vector::segment_not_present, selector_error));
    if (!x86::is_canonical(gate.offset))
        return Fault(exception(x86::vector::general_protection, ext));
    bool const privilege_change = dpl < cpl;
    if (privilege_change && dpl != 0)
        return make_error(fmt::format("interrupt gate to ring {} from ring {}: only ring 3 -> 0 is implemented", dpl, cpl));

    // The stack.
    uint64_t const old_rsp = m_cpu.read(UC_X86_REG_RSP);
    uint64_t const old_rflags = m_cpu.read(UC_X86_REG_RFLAGS);
    uint16_t const old_cs = m_cpu.read_selector(UC_X86_REG_CS);
    uint16_t const old_ss = m_cpu.read_selector(UC_X86_REG_SS);
    uint64_t const rip = m_cpu.read(UC_X86_REG_RIP);
    uint64_t new_rsp = old_rsp;
    if (gate.ist != 0 || privilege_change) {
        auto const tr = m_cpu.read_table(UC_X86_REG_TR);
        uint64_t const field = gate.ist ? x86::tss::ist1 + (gate.ist - 1) * 8 : x86::tss::rsp0;
        if (field + 8 > uint64_t(tr.limit) + 1)
            return Fault(exception(x86::vector::invalid_tss, (m_cpu.read_selector(UC_X86_REG_TR) & 0xfffc) + ext));
        if (auto fault = m_cpu.read_system(tr.base + field, { reinterpret_cast<uint8_t*>(&new_rsp), 8 }))
            return Fault(page_fault(*fault));
    }
    new_rsp &= ~0xfull;
    if (!x86::is_canonical(new_rsp))
        return Fault(exception(x86::vector::stack_fault, ext));

    uint64_t frame[6];
    unsigned n = 0;
    if (event.has_error_code())
        frame[n++] = event.error_code;
    frame[n++] = rip;
    frame[n++] = old_cs;
    frame[n++] = old_rflags;
    frame[n++] = old_rsp;
    frame[n++] = old_ss;
    uint64_t const frame_base = new_rsp - n * 8;
    if (auto fault = m_cpu.probe_system_write(frame_base, n * 8)) {
        auto f = page_fault(*fault);
        f.error_code |= x86::pf::write;
        return Fault(f);
    }

    if (privilege_change) {
        auto fault = LKMEMU_TRY(m_gate.enter_ring0(m_uc, m_cpu, m_latch, static_cast<uint16_t>(selector & 0xfffc)));
        if (fault)
            return fault;
    } else if ((selector & 0xfffc) != (old_cs & 0xfffc)) {
        m_cpu.write_selector(UC_X86_REG_CS, static_cast<uint16_t>((selector & 0xfffc) | cpl));
    }
    if (auto fault = m_cpu.write_system(frame_base, { reinterpret_cast<const uint8_t*>(frame), n * 8 }))
        return make_error(fmt::format("the interrupt frame at {:#x} became unwritable during delivery", fault->address));

    uint64_t rflags = old_rflags & ~(x86::rflags::tf | x86::rflags::nt | x86::rflags::rf | x86::rflags::vm);
    if (gate.type == 0xe)
        rflags &= ~x86::rflags::if_;
    m_cpu.write(UC_X86_REG_RSP, frame_base);
    m_cpu.write(UC_X86_REG_RFLAGS, rflags);
    m_cpu.write(UC_X86_REG_RIP, gate.offset);
    if (auto const& error = m_cpu.engine_error())
        return *error;
    return Fault {};
}

} // namespace lkmemu
