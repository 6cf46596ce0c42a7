// InstructionCounter: guest instructions executed, counted per translated block instead of per
// instruction. The engine's block hook gives (address, size); the number of instructions in that
// block is decoded once with Capstone and cached in a direct-mapped table, so the per-block cost is
// one table probe. A block cut short by a fault still counts whole (the count is for the summary,
// not for exact accounting).
//
// The cache is keyed by virtual address, so new code at an old address (a module loaded where
// another was) must drop what was cached for that page: the machine calls invalidate_page when
// the guest writes to a page through a fresh translation. Under W^X that covers every way code
// changes: a page cannot be written while executable, and changing its mapping or permissions
// drops its TLB entry, so the first write afterwards comes through the TLB-fill hook.
#pragma once

#include <capstone/capstone.h>

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_set>

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
    void invalidate()
    {
        m_cache.fill(Slot {});
        m_code_pages.clear();
    }
    // Forget the blocks that overlap the 4 KiB page at page_va, if any were cached.
    void invalidate_page(uint64_t page_va)
    {
        if (!m_code_pages.empty() && m_code_pages.erase(page_va))
            forget_blocks_on(page_va);
    }

private:
    static constexpr size_t cache_size = 8192;
    struct Slot {
        uint64_t address = ~0ull;
        uint32_t size = 0;
        uint32_t count = 0;
        bool may_set_if = false;
    };
    void decode(Slot&);
    void forget_blocks_on(uint64_t page_va);

    std::array<Slot, cache_size> m_cache {};
    std::unordered_set<uint64_t> m_code_pages; // pages holding (part of) a cached block
    uint64_t m_total = 0;
    CodeReader m_read;
    csh m_capstone = 0;
    bool m_capstone_ok = false;
};

} // namespace lkmemu
