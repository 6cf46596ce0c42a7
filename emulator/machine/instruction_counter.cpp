#include "machine/instruction_counter.h"

#include <algorithm>
#include <bit>
#include <vector>

namespace lkmemu {

InstructionCounter::InstructionCounter(CodeReader reader) : m_read(std::move(reader))
{
    m_slots.resize(initial_capacity);
    m_mask = initial_capacity - 1;
    m_shift = 64 - unsigned(std::countr_zero(initial_capacity));
    m_capstone_ok = cs_open(CS_ARCH_X86, CS_MODE_64, &m_capstone) == CS_ERR_OK;
}

InstructionCounter::~InstructionCounter()
{
    if (m_capstone_ok)
        cs_close(&m_capstone);
}

void InstructionCounter::invalidate()
{
    std::fill(m_slots.begin(), m_slots.end(), Slot {});
    m_used = 0;
    m_pages.clear();
}

namespace {

uint64_t first_page(uint64_t address) { return address & ~0xfffull; }
uint64_t last_page(uint64_t address, uint32_t size)
{
    return (address + (size ? size - 1 : 0)) & ~0xfffull;
}

} // namespace

InstructionCounter::Slot const& InstructionCounter::insert(size_t i, uint64_t address, uint32_t size)
{
    if ((m_used + 1) * 2 > m_slots.size()) {
        grow();
        i = home(address, size);
        while (m_slots[i].used())
            i = (i + 1) & m_mask;
    }
    Slot& slot = m_slots[i];
    slot.address = address;
    slot.size = size;
    ++m_used;
    decode(slot); // reads guest memory only: the table does not move
    Key const key { address, size };
    uint64_t const first = first_page(address);
    uint64_t const last = last_page(address, size);
    m_pages[first].push_back(key);
    if (last != first)
        m_pages[last].push_back(key);
    return slot;
}

void InstructionCounter::grow()
{
    std::vector<Slot> old(m_slots.size() * 2);
    old.swap(m_slots);
    m_mask = m_slots.size() - 1;
    m_shift = 64 - unsigned(std::countr_zero(m_slots.size()));
    for (Slot const& slot : old) {
        if (!slot.used())
            continue;
        size_t i = home(slot.address, slot.size);
        while (m_slots[i].used())
            i = (i + 1) & m_mask;
        m_slots[i] = slot;
    }
}

bool InstructionCounter::erase(Key key)
{
    size_t i = home(key.address, key.size);
    for (;;) {
        Slot const& slot = m_slots[i];
        if (!slot.used())
            return false;
        if (slot.address == key.address && slot.size == key.size)
            break;
        i = (i + 1) & m_mask;
    }
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    size_t j = i;
    for (;;) {
        j = (j + 1) & m_mask;
        Slot const& next = m_slots[j];
        if (!next.used())
            break;
        size_t const k = home(next.address, next.size);
        bool const stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        m_slots[i] = next;
        i = j;
    }
    m_slots[i] = Slot {};
    --m_used;
    return true;
}

void InstructionCounter::forget_blocks_on(uint64_t page_va)
{
    auto it = m_pages.find(page_va);
    if (it == m_pages.end())
        return;
    std::vector<Key> keys = std::move(it->second);
    m_pages.erase(it);
    for (Key const& key : keys) {
        erase(key);
        // A block spanning two pages is listed under the other one too: unlist it there.
        uint64_t const first = first_page(key.address);
        uint64_t const other = first == page_va ? last_page(key.address, key.size) : first;
        if (other == page_va)
            continue;
        auto o = m_pages.find(other);
        if (o == m_pages.end())
            continue;
        auto& list = o->second;
        auto at = std::find(list.begin(), list.end(), key);
        if (at != list.end()) {
            *at = list.back();
            list.pop_back();
        }
        if (list.empty())
            m_pages.erase(o);
    }
}

void InstructionCounter::decode(Slot& slot)
{
    ++m_decodes;
    // Unknown bytes count as one instruction and may set IF (the safe answer).
    slot.set(1, true);
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
    bool may_set_if = false;
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
        may_set_if = true;
        break;
    default:
        may_set_if = false;
    }
    slot.set(count, may_set_if); // count >= 1: size > 0 bytes are at least one instruction
}

} // namespace lkmemu
