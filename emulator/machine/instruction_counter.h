// InstructionCounter: guest instructions executed, counted per translated block instead of per
// instruction. The engine's block hook gives (address, size); the number of instructions in that
// block is decoded once with Capstone and cached in a direct-mapped table, so the per-block cost is
// one table probe. A block cut short by a fault still counts whole (the count is for the summary,
// not for exact accounting).
#pragma once

#include <capstone/capstone.h>

#include <array>
#include <cstdint>
#include <functional>
#include <span>

namespace lkmemu {

class InstructionCounter {
public:
    // read_code(va, out) fills out with the block's bytes; false if they cannot be read.
    using CodeReader = std::function<bool(uint64_t va, std::span<uint8_t> out)>;

    explicit InstructionCounter(CodeReader);
    ~InstructionCounter();
    InstructionCounter(const InstructionCounter&) = delete;
    InstructionCounter& operator=(const InstructionCounter&) = delete;

    // Counts the block; returns whether its last instruction may set RFLAGS.IF (sti, popf,
    // iret, sysret: each ends its translated block), so the machine knows when a pending
    // interrupt may have become deliverable without reading RFLAGS after every block.
    bool on_block(uint64_t address, uint32_t size)
    {
        auto& slot = m_cache[(address ^ (address >> 12)) & (cache_size - 1)];
        if (slot.address != address || slot.size != size) {
            slot.address = address;
            slot.size = size;
            decode(slot);
        }
        m_total += slot.count;
        return slot.may_set_if;
    }

    uint64_t total() const { return m_total; }
    void invalidate() { m_cache.fill(Slot {}); }

private:
    static constexpr size_t cache_size = 8192;
    struct Slot {
        uint64_t address = ~0ull;
        uint32_t size = 0;
        uint32_t count = 0;
        bool may_set_if = false;
    };
    void decode(Slot&);

    std::array<Slot, cache_size> m_cache {};
    uint64_t m_total = 0;
    CodeReader m_read;
    csh m_capstone = 0;
    bool m_capstone_ok = false;
};

} // namespace lkmemu
