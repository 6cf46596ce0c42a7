#include "cpu/fault_address.h"

#include <unicorn/x86.h>

#include <vector>

namespace lkmemu {

namespace {

// Capstone's register id -> Unicorn's, for the registers an address can use.
int unicorn_register(unsigned capstone)
{
    static constexpr struct {
        unsigned cs;
        int uc;
    } map[] = {
        { X86_REG_RAX, UC_X86_REG_RAX }, { X86_REG_RBX, UC_X86_REG_RBX }, { X86_REG_RCX, UC_X86_REG_RCX },
        { X86_REG_RDX, UC_X86_REG_RDX }, { X86_REG_RSI, UC_X86_REG_RSI }, { X86_REG_RDI, UC_X86_REG_RDI },
        { X86_REG_RBP, UC_X86_REG_RBP }, { X86_REG_RSP, UC_X86_REG_RSP }, { X86_REG_R8, UC_X86_REG_R8 },
        { X86_REG_R9, UC_X86_REG_R9 },   { X86_REG_R10, UC_X86_REG_R10 }, { X86_REG_R11, UC_X86_REG_R11 },
        { X86_REG_R12, UC_X86_REG_R12 }, { X86_REG_R13, UC_X86_REG_R13 }, { X86_REG_R14, UC_X86_REG_R14 },
        { X86_REG_R15, UC_X86_REG_R15 }, { X86_REG_EAX, UC_X86_REG_EAX }, { X86_REG_EBX, UC_X86_REG_EBX },
        { X86_REG_ECX, UC_X86_REG_ECX }, { X86_REG_EDX, UC_X86_REG_EDX }, { X86_REG_ESI, UC_X86_REG_ESI },
        { X86_REG_EDI, UC_X86_REG_EDI }, { X86_REG_EBP, UC_X86_REG_EBP }, { X86_REG_ESP, UC_X86_REG_ESP },
        { X86_REG_R8D, UC_X86_REG_R8D }, { X86_REG_R9D, UC_X86_REG_R9D }, { X86_REG_R10D, UC_X86_REG_R10D },
        { X86_REG_R11D, UC_X86_REG_R11D }, { X86_REG_R12D, UC_X86_REG_R12D }, { X86_REG_R13D, UC_X86_REG_R13D },
        { X86_REG_R14D, UC_X86_REG_R14D }, { X86_REG_R15D, UC_X86_REG_R15D },
    };
    for (auto const& entry : map) {
        if (entry.cs == capstone)
            return entry.uc;
    }
    return -1;
}

bool touches(uint64_t address, uint64_t size, uint64_t page)
{
    return address < page + 4096 && address + size > page;
}

} // namespace

FaultAddress::FaultAddress()
{
    m_ok = cs_open(CS_ARCH_X86, CS_MODE_64, &m_capstone) == CS_ERR_OK &&
           cs_option(m_capstone, CS_OPT_DETAIL, CS_OPT_ON) == CS_ERR_OK;
}

FaultAddress::~FaultAddress()
{
    if (m_capstone)
        cs_close(&m_capstone);
}

uint64_t FaultAddress::resolve(uint64_t page, uint64_t rip, const CodeReader& read_code, const RegisterReader& read_register) const
{
    if (!m_ok)
        return page;
    uint8_t code[15];
    size_t length = sizeof code;
    // The instruction may end before a page boundary that is not readable: shorten to fit.
    while (length > 0 && !read_code(rip, { code, length }))
        length = std::min<size_t>(length - 1, 4096 - (rip & 0xfff));
    if (length == 0)
        return page;
    cs_insn* insn = nullptr;
    if (cs_disasm(m_capstone, code, length, rip, 1, &insn) != 1)
        return page;

    std::vector<std::pair<uint64_t, uint64_t>> candidates; // (address, size)
    auto const& x86 = insn->detail->x86;
    for (unsigned i = 0; i < x86.op_count; ++i) {
        auto const& op = x86.operands[i];
        if (op.type != X86_OP_MEM)
            continue;
        uint64_t address = static_cast<uint64_t>(op.mem.disp);
        if (op.mem.base == X86_REG_RIP) {
            address += rip + insn->size;
        } else if (op.mem.base != X86_REG_INVALID) {
            int const reg = unicorn_register(op.mem.base);
            if (reg < 0)
                continue;
            address += read_register(reg);
        }
        if (op.mem.index != X86_REG_INVALID) {
            int const reg = unicorn_register(op.mem.index);
            if (reg < 0)
                continue;
            address += read_register(reg) * static_cast<uint64_t>(op.mem.scale);
        }
        if (op.mem.segment == X86_REG_FS)
            address += read_register(UC_X86_REG_FS_BASE);
        else if (op.mem.segment == X86_REG_GS)
            address += read_register(UC_X86_REG_GS_BASE);
        candidates.emplace_back(address, op.size ? op.size : 8);
    }
    // Implicit accesses.
    uint64_t const rsp = read_register(UC_X86_REG_RSP);
    switch (insn->id) {
    case X86_INS_PUSH:
    case X86_INS_PUSHFQ:
    case X86_INS_CALL:
    case X86_INS_ENTER:
        candidates.emplace_back(rsp - 8, 8);
        break;
    case X86_INS_POP:
    case X86_INS_POPFQ:
    case X86_INS_RET:
    case X86_INS_IRETQ:
    case X86_INS_LEAVE:
        candidates.emplace_back(insn->id == X86_INS_LEAVE ? read_register(UC_X86_REG_RBP) : rsp, 40);
        break;
    default:
        break;
    }
    cs_free(insn, 1);

    for (auto const& [address, size] : candidates) {
        if (touches(address, size, page))
            return address < page ? page : address;
    }
    return page;
}

} // namespace lkmemu
