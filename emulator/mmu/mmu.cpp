#include "mmu/mmu.h"

#include <cstring>

namespace lkmemu {

namespace {

using namespace x86;

// Address bits [MAXPHYADDR-1:12] of an entry; bits from MAXPHYADDR to 51 are reserved.
constexpr uint64_t phys_mask = ((1ull << Mmu::max_physical_address_bits) - 1) & ~0xfffull;
constexpr uint64_t reserved_high = ((1ull << 52) - 1) & ~((1ull << Mmu::max_physical_address_bits) - 1);

// Reserved bits of an entry at a level (4 = PML4E ... 1 = PTE), for a leaf or a table pointer.
uint64_t reserved_bits(int level, bool large, bool nxe)
{
    uint64_t bits = reserved_high;
    if (!nxe)
        bits |= pte::nx;
    if (level == 4)
        bits |= pte::large; // PS is reserved in a PML4E
    if (large && level == 3)
        bits |= 0x3fffe000ull; // 1 GiB page: bits 29:13 (bit 12 is PAT)
    if (large && level == 2)
        bits |= 0x1fe000ull; // 2 MiB page: bits 20:13
    return bits;
}

// The permission policy (SDM 4.6): what `privilege` may do through a leaf whose levels combine to
// these R/W, U/S and XD rights. walk() allows an access exactly when this permits it.
Permissions permissions(const PagingState& state, Privilege privilege, bool writable, bool user, bool executable)
{
    if (privilege == Privilege::User)
        return { user, user && writable, user && executable };
    // SMAP: no data access to user pages unless RFLAGS.AC; SMEP: no fetch from them.
    bool const data = !(user && (state.cr4 & cr4::smap) && !state.alignment_check);
    bool const write_protected = !writable && (state.cr0 & cr0::wp);
    return { data, data && !write_protected, executable && !(user && (state.cr4 & cr4::smep)) };
}

} // namespace

uint32_t page_fault_access_bits(const PagingState& state, Access access, Privilege privilege)
{
    uint32_t bits = 0;
    if (access == Access::Write)
        bits |= pf::write;
    if (privilege == Privilege::User)
        bits |= pf::user;
    if (access == Access::Execute && ((state.efer & efer::nxe) || (state.cr4 & cr4::smep)))
        bits |= pf::fetch;
    return bits;
}

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
    bool const nxe = state.efer & efer::nxe;
    uint32_t const error = page_fault_access_bits(state, access, privilege);
    auto fail = [&](uint32_t extra) {
        result.ok = false;
        result.fault = PageFault { va, error | extra };
        return result;
    };

    if (!state.paging_enabled()) {
        result.ok = true;
        result.translation = Translation { va, 4096, true, true, true, true, { true, true, true } };
        return result;
    }
    // Hardware checks canonical form before any page walk and raises #GP(0) (#SS(0) for a stack
    // access; not distinguished here). The fault still carries the access bits, for the CPU's
    // own accesses, which report every failure as a #PF.
    if (!is_canonical(va)) {
        result.non_canonical = true;
        return fail(0);
    }

    uint64_t table = state.cr3 & phys_mask;
    bool writable = true, user = true, executable = true;
    uint64_t entry_addresses[4] = {};
    int levels_walked = 0;
    for (int level = 4; level >= 1; --level) {
        unsigned const shift = 12 + 9 * (level - 1);
        uint64_t const entry_pa = table + ((va >> shift) & 0x1ff) * 8;
        uint64_t entry = 0;
        if (!read_entry(entry_pa, entry) || !(entry & pte::present))
            return fail(0);
        bool const large = (entry & pte::large) && (level == 2 || level == 3);
        if (entry & reserved_bits(level, large, nxe))
            return fail(pf::present | pf::reserved);
        entry_addresses[levels_walked++] = entry_pa;
        writable &= (entry & pte::writable) != 0;
        user &= (entry & pte::user) != 0;
        if (nxe)
            executable &= (entry & pte::nx) == 0;

        if (level == 1 || large) {
            uint64_t const page_size = 1ull << shift;
            Translation t;
            t.page_size = page_size;
            t.physical = (entry & phys_mask & ~(page_size - 1)) | (va & (page_size - 1));
            t.writable = writable;
            t.user = user;
            t.executable = executable;
            t.dirty = entry & pte::dirty;
            t.permitted = permissions(state, privilege, writable, user, executable);
            if (!t.permitted.allows(access))
                return fail(pf::present);

            if (mode == WalkMode::Update) {
                for (int i = 0; i < levels_walked; ++i) {
                    uint64_t e = 0;
                    read_entry(entry_addresses[i], e);
                    uint64_t updated = e | pte::accessed;
                    if (i == levels_walked - 1 && access == Access::Write)
                        updated |= pte::dirty;
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
    bool const nxe = state.efer & efer::nxe;
    struct Walker {
        const Mmu& mmu;
        bool nxe;
        const std::function<void(const Leaf&)>& visit;
        void table(uint64_t table_pa, int level, uint64_t va_base, bool w, bool u, bool x) const
        {
            unsigned const shift = 12 + 9 * (level - 1);
            for (uint64_t i = 0; i < 512; ++i) {
                uint64_t entry = 0;
                if (!mmu.read_entry(table_pa + i * 8, entry) || !(entry & pte::present))
                    continue;
                uint64_t va = va_base + (i << shift);
                if (level == 4 && i >= 256)
                    va |= 0xffff000000000000ull; // sign-extend bit 47
                bool const large = (entry & pte::large) && (level == 2 || level == 3);
                if (entry & reserved_bits(level, large, nxe))
                    continue;
                bool const ww = w && (entry & pte::writable);
                bool const uu = u && (entry & pte::user);
                bool const xx = x && !(nxe && (entry & pte::nx));
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
