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

uint32_t InstructionCounter::decode(uint64_t address, uint32_t size)
{
    if (size == 0)
        return 1; // the engine reports 0 for a block that faults at its first instruction
    std::vector<uint8_t> code(size);
    if (!m_capstone_ok || !m_read(address, code))
        return 1;
    uint32_t count = 0;
    const uint8_t* bytes = code.data();
    size_t left = code.size();
    uint64_t at = address;
    cs_insn* insn = cs_malloc(m_capstone);
    bool in_unknown = false;
    while (left > 0) {
        if (cs_disasm_iter(m_capstone, &bytes, &left, &at, insn)) {
            ++count;
            in_unknown = false;
            continue;
        }
        // An instruction Capstone 4 does not know: count it once and resynchronise byte by byte.
        if (!in_unknown)
            ++count;
        in_unknown = true;
        ++bytes;
        --left;
        ++at;
    }
    cs_free(insn, 1);
    return count;
}

} // namespace lkmemu
