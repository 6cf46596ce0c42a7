// FaultAddress: the exact linear address for CR2.
//
// The engine's TLB-fill hook is told only the page an access missed on, but CR2 must hold the
// byte. The instruction at RIP (where the engine leaves it on a fault) says which: decode it with
// Capstone and compute each address it touches (explicit memory operands with base, index, scale,
// displacement and FS/GS base; the stack for push/pop/call/ret/enter/leave/iret; string instructions list
// [RSI]/[RDI] as operands). The first one that lands on the faulting page, or straddles into it (then the
// page's first byte, as hardware reports), is the answer; if none does, the page itself.
#pragma once

#include <capstone/capstone.h>

#include <cstdint>
#include <functional>
#include <span>

namespace lkmemu {

class FaultAddress {
public:
    using CodeReader = std::function<bool(uint64_t va, std::span<uint8_t> out)>;
    using RegisterReader = std::function<uint64_t(int unicorn_register)>;

    FaultAddress();
    ~FaultAddress();
    FaultAddress(const FaultAddress&) = delete;
    FaultAddress& operator=(const FaultAddress&) = delete;

    uint64_t resolve(uint64_t page, uint64_t rip, const CodeReader&, const RegisterReader&) const;

private:
    csh m_capstone = 0;
    bool m_ok = false;
};

} // namespace lkmemu
