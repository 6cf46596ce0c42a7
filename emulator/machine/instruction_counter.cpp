#include "machine/instruction_counter.h"

#include <vector>

namespace lkmemu {

InstructionCounter::InstructionCounter(CodeReader reader) : m_read(std::move(reader))
{
    m_capstone_ok = cs_open(CS_ARCH_X86, CS_MODE_64, &m_capstone) == CS_ERR_OK;
}

InstructionCounter::~InstructionCounter()
{
    if (m_capstone_ok)
        cs_close(&m_capstone);
}

void InstructionCounter::forget_blocks_on(uint64_t page_va)
{
    for (Slot& slot : m_cache) {
        if (slot.address == ~0ull)
            continue;
        uint64_t const first_page = slot.address & ~0xfffull;
        uint64_t const last_page = (slot.address + (slot.size ? slot.size - 1 : 0)) & ~0xfffull;
        if (first_page == page_va || last_page == page_va)
            slot = Slot {};
    }
}

void InstructionCounter::decode(Slot& slot)
{
    m_code_pages.insert(slot.address & ~0xfffull);
    if (slot.size > 1)
        m_code_pages.insert((slot.address + slot.size - 1) & ~0xfffull);
    // Unknown bytes count as one instruction and may set IF (the safe answer).
    slot.count = 1;
    slot.may_set_if = true;
    if (slot.size == 0)
        return; // the engine reports 0 for a block that faults at its first instruction
    std::vector<uint8_t> code(slot.size);
    if (!m_capstone_ok || !m_read(slot.address, code))
        return;
    uint32_t count = 0;
    unsigned last_id = X86_INS_INVALID;
    const uint8_t* bytes = code.data();
    size_t left = code.size();
    uint64_t at = slot.address;
    cs_insn* insn = cs_malloc(m_capstone);
    bool in_unknown = false;
    while (left > 0) {
        if (cs_disasm_iter(m_capstone, &bytes, &left, &at, insn)) {
            ++count;
            last_id = insn->id;
            in_unknown = false;
            continue;
        }
        // An instruction Capstone 4 does not know: count it once and resynchronise byte by byte.
        if (!in_unknown)
            ++count;
        in_unknown = true;
        last_id = X86_INS_INVALID;
        ++bytes;
        --left;
        ++at;
    }
    cs_free(insn, 1);
    slot.count = count;
    switch (last_id) {
    case X86_INS_STI:
    case X86_INS_POPF:
    case X86_INS_POPFD:
    case X86_INS_POPFQ:
    case X86_INS_IRET:
    case X86_INS_IRETD:
    case X86_INS_IRETQ:
    case X86_INS_SYSRET:
    case X86_INS_INVALID:
        slot.may_set_if = true;
        break;
    default:
        slot.may_set_if = false;
    }
}

} // namespace lkmemu
