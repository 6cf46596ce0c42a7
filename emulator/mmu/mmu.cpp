#include "mmu/mmu.h"

#include <cstring>

namespace lkmemu {

namespace {

constexpr uint64_t pte_present = 1ull << 0;
constexpr uint64_t pte_writable = 1ull << 1;
constexpr uint64_t pte_user = 1ull << 2;
constexpr uint64_t pte_accessed = 1ull << 5;
constexpr uint64_t pte_dirty = 1ull << 6;
constexpr uint64_t pte_large = 1ull << 7; // PS: a 2 MiB or 1 GiB leaf
constexpr uint64_t pte_nx = 1ull << 63;

constexpr uint64_t cr0_wp = 1ull << 16;
constexpr uint64_t cr4_smep = 1ull << 20;
constexpr uint64_t cr4_smap = 1ull << 21;
constexpr uint64_t efer_nxe = 1ull << 11;

// Address bits [MAXPHYADDR-1:12] of an entry; bits from MAXPHYADDR to 51 are reserved.
constexpr uint64_t phys_mask = ((1ull << Mmu::max_physical_address_bits) - 1) & ~0xfffull;
constexpr uint64_t reserved_high = ((1ull << 52) - 1) & ~((1ull << Mmu::max_physical_address_bits) - 1);

bool is_canonical(uint64_t va)
{
    auto high = static_cast<int64_t>(va) >> 47;
    return high == 0 || high == -1;
}

// Reserved bits of an entry at a level (4 = PML4E ... 1 = PTE), for a leaf or a table pointer.
uint64_t reserved_bits(int level, bool large, bool nxe)
{
    uint64_t bits = reserved_high;
    if (!nxe)
        bits |= pte_nx;
    if (level == 4)
        bits |= pte_large; // PS is reserved in a PML4E
    if (large && level == 3)
        bits |= 0x3fffe000ull; // 1 GiB page: bits 29:13 (bit 12 is PAT)
    if (large && level == 2)
        bits |= 0x1fe000ull; // 2 MiB page: bits 20:13
    return bits;
}

} // namespace

bool Mmu::read_entry(uint64_t pa, uint64_t& out) const
{
    if (pa + 8 > m_ram.size() || pa + 8 < pa)
        return false;
    std::memcpy(&out, m_ram.data() + pa, 8);
    return true;
}

void Mmu::write_entry(uint64_t pa, uint64_t value) const
{
    std::memcpy(m_ram.data() + pa, &value, 8);
}

WalkResult Mmu::walk(const PagingState& state, uint64_t va, Access access, Privilege privilege,
                     WalkMode mode) const
{
    WalkResult result;
    bool const nxe = state.efer & efer_nxe;
    bool const smep = state.cr4 & cr4_smep;
    uint32_t error = 0;
    if (access == Access::Write)
        error |= pf::write;
    if (privilege == Privilege::User)
        error |= pf::user;
    if (access == Access::Execute && (nxe || smep))
        error |= pf::fetch;

    auto fail = [&](uint32_t extra) {
        result.ok = false;
        result.fault = PageFault { va, error | extra };
        return result;
    };

    if (!state.paging_enabled()) {
        result.ok = true;
        result.translation = Translation { va, 4096, true, true, true, true };
        return result;
    }
    // A non-canonical address is a #GP on hardware, never a page walk; the CPU engine checks it
    // before asking. Observers get a not-present answer.
    if (!is_canonical(va))
        return fail(0);

    uint64_t table = state.cr3 & phys_mask;
    bool writable = true, user = true, executable = true;
    uint64_t entry_addresses[4] = {};
    int levels_walked = 0;
    for (int level = 4; level >= 1; --level) {
        unsigned const shift = 12 + 9 * (level - 1);
        uint64_t const entry_pa = table + ((va >> shift) & 0x1ff) * 8;
        uint64_t entry = 0;
        if (!read_entry(entry_pa, entry) || !(entry & pte_present))
            return fail(0);
        bool const large = (entry & pte_large) && (level == 2 || level == 3);
        if (entry & reserved_bits(level, large, nxe))
            return fail(pf::present | pf::reserved);
        entry_addresses[levels_walked++] = entry_pa;
        writable &= (entry & pte_writable) != 0;
        user &= (entry & pte_user) != 0;
        if (nxe)
            executable &= (entry & pte_nx) == 0;

        if (level == 1 || large) {
            uint64_t const page_size = 1ull << shift;
            Translation t;
            t.page_size = page_size;
            t.physical = (entry & phys_mask & ~(page_size - 1)) | (va & (page_size - 1));
            t.writable = writable;
            t.user = user;
            t.executable = executable;
            t.dirty = entry & pte_dirty;

            // Permission checks, in the order the SDM gives them (4.6).
            bool denied = false;
            if (privilege == Privilege::User) {
                denied = !user || (access == Access::Write && !writable) ||
                         (access == Access::Execute && !executable);
            } else {
                bool const wp = state.cr0 & cr0_wp;
                if (access == Access::Execute)
                    denied = !executable || (smep && user);
                else
                    denied = (access == Access::Write && !writable && wp) ||
                             ((state.cr4 & cr4_smap) && user && !state.alignment_check);
            }
            if (denied)
                return fail(pf::present);

            if (mode == WalkMode::Update) {
                for (int i = 0; i < levels_walked; ++i) {
                    uint64_t e = 0;
                    read_entry(entry_addresses[i], e);
                    uint64_t updated = e | pte_accessed;
                    if (i == levels_walked - 1 && access == Access::Write)
                        updated |= pte_dirty;
                    if (updated != e)
                        write_entry(entry_addresses[i], updated);
                }
                if (access == Access::Write)
                    t.dirty = true;
            }
            result.ok = true;
            result.translation = t;
            return result;
        }
        table = entry & phys_mask;
    }
    return fail(0); // not reached: level 1 is always a leaf
}

void Mmu::for_each_leaf(const PagingState& state, const std::function<void(const Leaf&)>& visit) const
{
    if (!state.paging_enabled())
        return;
    bool const nxe = state.efer & efer_nxe;
    struct Walker {
        const Mmu& mmu;
        bool nxe;
        const std::function<void(const Leaf&)>& visit;
        void table(uint64_t table_pa, int level, uint64_t va_base, bool w, bool u, bool x) const
        {
            unsigned const shift = 12 + 9 * (level - 1);
            for (uint64_t i = 0; i < 512; ++i) {
                uint64_t entry = 0;
                if (!mmu.read_entry(table_pa + i * 8, entry) || !(entry & pte_present))
                    continue;
                uint64_t va = va_base + (i << shift);
                if (level == 4 && i >= 256)
                    va |= 0xffff000000000000ull; // sign-extend bit 47
                bool const large = (entry & pte_large) && (level == 2 || level == 3);
                if (entry & reserved_bits(level, large, nxe))
                    continue;
                bool const ww = w && (entry & pte_writable);
                bool const uu = u && (entry & pte_user);
                bool const xx = x && !(nxe && (entry & pte_nx));
                if (level == 1 || large) {
                    uint64_t const size = 1ull << shift;
                    visit(Leaf { va, entry & phys_mask & ~(size - 1), size, ww, uu, xx });
                } else {
                    table(entry & phys_mask, level - 1, va, ww, uu, xx);
                }
            }
        }
    };
    Walker { *this, nxe, visit }.table(state.cr3 & phys_mask, 4, 0, true, true, true);
}

} // namespace lkmemu
