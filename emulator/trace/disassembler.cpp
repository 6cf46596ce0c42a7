#include "trace/disassembler.h"

#include <capstone/capstone.h>

#include <utility>

namespace lkmemu::trace {

lkm::ErrorOr<Disassembler> Disassembler::open()
{
    csh handle = 0;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK)
        return lkm::Error::from_errno(LKM_ENOMEM, "Capstone could not open an x86-64 disassembler");
    cs_insn* scratch = cs_malloc(handle);
    if (!scratch) {
        cs_close(&handle);
        return lkm::Error::from_errno(LKM_ENOMEM, "Capstone could not allocate an instruction");
    }
    return Disassembler(handle, scratch);
}

Disassembler::Disassembler(Disassembler&& other) noexcept
    : m_handle(std::exchange(other.m_handle, 0)), m_scratch(std::exchange(other.m_scratch, nullptr))
{
}

Disassembler::~Disassembler()
{
    if (m_scratch)
        cs_free(m_scratch, 1);
    if (m_handle) {
        csh handle = m_handle;
        cs_close(&handle);
    }
}

std::optional<DecodedInstruction> Disassembler::decode(uint64_t address, std::span<const uint8_t> bytes) const
{
    const uint8_t* code = bytes.data();
    size_t size = bytes.size();
    uint64_t at = address;
    if (!cs_disasm_iter(m_handle, &code, &size, &at, m_scratch))
        return std::nullopt;
    return DecodedInstruction {m_scratch->size, m_scratch->mnemonic, m_scratch->op_str};
}

} // namespace lkmemu::trace
