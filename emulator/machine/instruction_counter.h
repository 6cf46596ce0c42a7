// InstructionCounter: guest instructions executed, counted per translated block instead of per
// instruction. The engine's block hook gives (address, size); the number of instructions in that
// block is decoded once with Capstone and cached in an open-addressed hash table keyed by
// (address, size), so the per-block cost is one hash probe (no collisions evict anything: the
// table grows instead). A block cut short by a fault still counts whole (the count is for the
// summary, not for exact accounting).
//
// The cache is keyed by virtual address, so new code at an old address (a module loaded where
// another was) must drop what was cached for that page: the machine calls invalidate_page when
// the guest writes to a page through a fresh translation. Under W^X that covers every way code
// changes: a page cannot be written while executable, and changing its mapping or permissions
// drops its TLB entry, so the first write afterwards comes through the TLB-fill hook. A per-page
// index (page -> blocks starting on or reaching into it) lets invalidate_page drop exactly that
// page's blocks without scanning the table; a block spanning two pages is listed under both.
#pragma once

#include <capstone/capstone.h>

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

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
        size_t i = home(address, size);
        for (;;) {
            Slot const& slot = m_slots[i];
            if (slot.address == address && slot.size == size && slot.used()) [[likely]] {
                m_total += slot.count();
                return slot.may_set_if();
            }
            if (!slot.used())
                break;
            i = (i + 1) & m_mask;
        }
        Slot const& slot = insert(i, address, size);
        m_total += slot.count();
        return slot.may_set_if();
    }

    uint64_t total() const { return m_total; }
    // A machine restored from a snapshot goes on from the count it was taken at.
    void restore_total(uint64_t total) { m_total = total; }
    // How many blocks were decoded (cache misses), for tests and statistics.
    uint64_t decodes() const { return m_decodes; }
    // How many blocks are cached now.
    size_t cached_blocks() const { return m_used; }
    void invalidate();
    // Forget the blocks that overlap the 4 KiB page at page_va, if any were cached.
    void invalidate_page(uint64_t page_va)
    {
        if (!m_pages.empty())
            forget_blocks_on(page_va);
    }

private:
    static constexpr size_t initial_capacity = 8192; // power of two; grows at half full
    // 16 bytes, so a probe touches one cache line. A cached block has at least one instruction,
    // so a zero count_and_flag is an empty slot.
    struct Slot {
        uint64_t address = 0;
        uint32_t size = 0;
        uint32_t count_and_flag = 0; // count << 1 | may_set_if

        bool used() const { return count_and_flag != 0; }
        uint32_t count() const { return count_and_flag >> 1; }
        bool may_set_if() const { return count_and_flag & 1; }
        void set(uint32_t count, bool may_set_if) { count_and_flag = count << 1 | (may_set_if ? 1 : 0); }
    };
    struct Key {
        uint64_t address;
        uint32_t size;
        bool operator==(Key const&) const = default;
    };
    size_t home(uint64_t address, uint32_t size) const
    {
        // Fibonacci hashing: one multiply, the top bits index the table. Blocks at one address
        // with different sizes are rare (a block cut short), so the size only needs to perturb.
        return size_t(((address ^ (uint64_t(size) << 40)) * 0x9e3779b97f4a7c15ull) >> m_shift);
    }
    Slot const& insert(size_t empty_slot, uint64_t address, uint32_t size);
    void decode(Slot&);
    void forget_blocks_on(uint64_t page_va);
    bool erase(Key);
    void grow();

    std::vector<Slot> m_slots;
    size_t m_mask = 0;
    unsigned m_shift = 0;
    size_t m_used = 0;
    // Page -> keys of cached blocks starting on or reaching into it.
    std::unordered_map<uint64_t, std::vector<Key>> m_pages;
    uint64_t m_total = 0;
    uint64_t m_decodes = 0;
    CodeReader m_read;
    csh m_capstone = 0;
    bool m_capstone_ok = false;
};

} // namespace lkmemu
