// Mmu::walk without a CPU: page tables built in a buffer, every permission rule and every #PF
// error-code bit checked, and the verdict a TLB caches (Translation::permitted) shown to be the
// same policy as the walk's own.
#include "mmu/mmu.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <optional>
#include <vector>

using namespace lkmemu;
namespace pf = lkmemu::x86::pf;

namespace {

// The architectural values, written out here rather than taken from x86.h, so a wrong constant
// there shows up as a failing walk.
constexpr uint64_t P = 1, W = 2, U = 4, A = 1ull << 5, D = 1ull << 6, PS = 1ull << 7, NX = 1ull << 63;
constexpr uint64_t cr0_pg = 1ull << 31, cr0_wp = 1ull << 16, cr4_smep = 1ull << 20, cr4_smap = 1ull << 21;
constexpr uint64_t efer_nxe = 1ull << 11;

// 1 MiB of "RAM": PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; the test VA 0x40201000
// (PML4[0], PDPT[1], PD[1], PT[1]) maps to 0x80000.
struct Tables {
    std::vector<uint8_t> ram = std::vector<uint8_t>(1 << 20, 0);
    static constexpr uint64_t va = 0x40201000, pa = 0x80000;

    void set(uint64_t table, unsigned index, uint64_t entry) { std::memcpy(ram.data() + table + index * 8, &entry, 8); }
    uint64_t get(uint64_t table, unsigned index) const
    {
        uint64_t e;
        std::memcpy(&e, ram.data() + table + index * 8, 8);
        return e;
    }
    // Upper levels P|W|U (permissive), leaf with `leaf_flags`.
    explicit Tables(uint64_t leaf_flags, uint64_t upper = P | W | U)
    {
        set(0x1000, 0, 0x2000 | upper);
        set(0x2000, 1, 0x3000 | upper);
        set(0x3000, 1, 0x4000 | upper);
        set(0x4000, 1, pa | leaf_flags);
    }
    WalkResult walk(Access access, Privilege privilege, uint64_t cr0 = cr0_pg | cr0_wp, uint64_t cr4 = 0,
                    uint64_t efer = efer_nxe, bool ac = false, WalkMode mode = WalkMode::Update)
    {
        Mmu mmu(ram);
        PagingState state { cr0, 0x1000, cr4, efer, ac };
        return mmu.walk(state, va + 0x123, access, privilege, mode);
    }
};

uint32_t fault(const WalkResult& r)
{
    REQUIRE_FALSE(r.ok);
    CHECK(r.fault.address == Tables::va + 0x123);
    return r.fault.error_code;
}

} // namespace

TEST_CASE("a present page translates to its frame with the byte offset", "[mmu]")
{
    Tables t(P | W);
    auto const r = t.walk(Access::Read, Privilege::Supervisor);
    REQUIRE(r.ok);
    CHECK(r.translation.physical == Tables::pa + 0x123);
    CHECK(r.translation.page_size == 4096);
    CHECK(r.translation.writable);
    CHECK_FALSE(r.translation.user);
    CHECK(r.translation.executable);
}

TEST_CASE("every permission combination of a 4 KiB leaf", "[mmu]")
{
    // The SDM's rules (4.6), written out independently of the walker.
    for (uint64_t flags = 0; flags < 8; ++flags) {
        bool const writable = flags & 1, user = flags & 2, nx = flags & 4;
        for (bool wp : { false, true }) {
            for (auto privilege : { Privilege::Supervisor, Privilege::User }) {
                for (auto access : { Access::Read, Access::Write, Access::Execute }) {
                    bool const is_user = privilege == Privilege::User;
                    bool allowed = true;
                    if (is_user && !user)
                        allowed = false;
                    if (access == Access::Write && !writable && (is_user || wp))
                        allowed = false;
                    if (access == Access::Execute && nx)
                        allowed = false;
                    Tables t(P | (writable ? W : 0) | (user ? U : 0) | (nx ? NX : 0));
                    auto const r = t.walk(access, privilege, cr0_pg | (wp ? cr0_wp : 0));
                    INFO("W=" << writable << " U=" << user << " NX=" << nx << " WP=" << wp << " user=" << is_user
                              << " access=" << static_cast<int>(access));
                    REQUIRE(r.ok == allowed);
                    if (!allowed) {
                        uint32_t expected = pf::present;
                        if (access == Access::Write)
                            expected |= pf::write;
                        if (is_user)
                            expected |= pf::user;
                        if (access == Access::Execute)
                            expected |= pf::fetch; // NXE is on
                        CHECK(r.fault.error_code == expected);
                    }
                }
            }
        }
    }
}

TEST_CASE("what a walk permits is exactly what walks of each access allow", "[mmu]")
{
    // The TLB-fill hook caches Translation::permitted for every access at that privilege; it must
    // agree with walk() itself for every combination of page bits and control bits.
    for (uint64_t flags = 0; flags < 8; ++flags) {
        uint64_t const leaf = P | D | ((flags & 1) ? W : 0) | ((flags & 2) ? U : 0) | ((flags & 4) ? NX : 0);
        for (uint64_t cr0 : { cr0_pg, cr0_pg | cr0_wp }) {
            for (uint64_t cr4 : { uint64_t(0), cr4_smep, cr4_smap, cr4_smep | cr4_smap }) {
                for (bool ac : { false, true }) {
                    for (auto privilege : { Privilege::Supervisor, Privilege::User }) {
                        INFO("leaf " << leaf << " cr0 " << cr0 << " cr4 " << cr4 << " ac " << ac << " user "
                                     << (privilege == Privilege::User));
                        std::optional<Permissions> permitted;
                        for (auto access : { Access::Read, Access::Write, Access::Execute }) {
                            auto const r = Tables(leaf).walk(access, privilege, cr0, cr4, efer_nxe, ac);
                            if (r.ok)
                                permitted = r.translation.permitted;
                        }
                        if (!permitted) // nothing is allowed: no translation to compare
                            continue;
                        for (auto access : { Access::Read, Access::Write, Access::Execute })
                            CHECK(permitted->allows(access) == Tables(leaf).walk(access, privilege, cr0, cr4, efer_nxe, ac).ok);
                    }
                }
            }
        }
    }
}

TEST_CASE("a clean page is cached without write, so the first write walks again and sets D", "[mmu]")
{
    Tables t(P | W);
    auto r = t.walk(Access::Read, Privilege::Supervisor);
    REQUIRE(r.ok);
    CHECK(r.translation.permitted.write);
    CHECK_FALSE(r.translation.cacheable().write);
    CHECK(r.translation.cacheable().read);
    r = t.walk(Access::Write, Privilege::Supervisor);
    REQUIRE(r.ok);
    CHECK(r.translation.cacheable().write);
}

TEST_CASE("U/S and R/W must be set at every level", "[mmu]")
{
    Tables no_user_upper(P | W | U, P | W);
    CHECK(fault(no_user_upper.walk(Access::Read, Privilege::User)) == (pf::present | pf::user));
    Tables read_only_upper(P | W | U, P | U);
    CHECK(fault(read_only_upper.walk(Access::Write, Privilege::User)) == (pf::present | pf::write | pf::user));
    CHECK(fault(read_only_upper.walk(Access::Write, Privilege::Supervisor)) == (pf::present | pf::write));
}

TEST_CASE("not-present entries at each level give P=0 with the access bits", "[mmu]")
{
    for (auto [table, index] : { std::pair<uint64_t, unsigned> { 0x1000, 0 }, { 0x2000, 1 }, { 0x3000, 1 }, { 0x4000, 1 } }) {
        Tables t(P | W | U);
        t.set(table, index, t.get(table, index) & ~P);
        CHECK(fault(t.walk(Access::Read, Privilege::Supervisor)) == 0);
        CHECK(fault(t.walk(Access::Write, Privilege::User)) == (pf::write | pf::user));
        CHECK(fault(t.walk(Access::Execute, Privilege::User)) == (pf::user | pf::fetch));
    }
}

TEST_CASE("the I/D bit is reported only with NXE or SMEP", "[mmu]")
{
    Tables t(0); // not present
    CHECK(fault(t.walk(Access::Execute, Privilege::Supervisor, cr0_pg, 0, 0)) == 0);
    CHECK(fault(t.walk(Access::Execute, Privilege::Supervisor, cr0_pg, 0, efer_nxe)) == pf::fetch);
    CHECK(fault(t.walk(Access::Execute, Privilege::Supervisor, cr0_pg, cr4_smep, 0)) == pf::fetch);
}

TEST_CASE("NX is ignored without EFER.NXE, where bit 63 is reserved", "[mmu]")
{
    Tables executable(P);
    CHECK(executable.walk(Access::Execute, Privilege::Supervisor, cr0_pg, 0, 0).ok);
    Tables nx(P | NX);
    CHECK(fault(nx.walk(Access::Read, Privilege::Supervisor, cr0_pg, 0, 0)) == (pf::present | pf::reserved));
}

TEST_CASE("reserved bits give RSVD", "[mmu]")
{
    Tables high_address(P | (1ull << 51));
    CHECK(fault(high_address.walk(Access::Write, Privilege::User)) == (pf::present | pf::reserved | pf::write | pf::user));
    Tables ps_in_pml4(P | W);
    ps_in_pml4.set(0x1000, 0, 0x2000 | P | W | PS);
    CHECK(fault(ps_in_pml4.walk(Access::Read, Privilege::Supervisor)) == (pf::present | pf::reserved));
    Tables misaligned_2m(P);
    misaligned_2m.set(0x3000, 1, 0x200000 | (1ull << 13) | P | PS);
    CHECK(fault(misaligned_2m.walk(Access::Read, Privilege::Supervisor)) == (pf::present | pf::reserved));
}

TEST_CASE("SMEP and SMAP", "[mmu]")
{
    Tables t(P | W | U);
    CHECK(fault(t.walk(Access::Execute, Privilege::Supervisor, cr0_pg, cr4_smep)) == (pf::present | pf::fetch));
    CHECK(t.walk(Access::Execute, Privilege::Supervisor, cr0_pg, 0).ok);
    CHECK(fault(t.walk(Access::Read, Privilege::Supervisor, cr0_pg, cr4_smap)) == pf::present);
    CHECK(fault(t.walk(Access::Write, Privilege::Supervisor, cr0_pg, cr4_smap)) == (pf::present | pf::write));
    CHECK(t.walk(Access::Read, Privilege::Supervisor, cr0_pg, cr4_smap, efer_nxe, true).ok); // RFLAGS.AC
    CHECK(t.walk(Access::Read, Privilege::User, cr0_pg, cr4_smap | cr4_smep).ok);
}

TEST_CASE("2 MiB and 1 GiB pages", "[mmu]")
{
    Tables two_mib(P);
    two_mib.set(0x3000, 1, 0x600000 | P | W | PS);
    auto r = two_mib.walk(Access::Write, Privilege::Supervisor);
    REQUIRE(r.ok);
    CHECK(r.translation.page_size == (2u << 20));
    CHECK(r.translation.physical == 0x600000 + (Tables::va & 0x1fffff) + 0x123);

    Tables one_gib(P);
    one_gib.set(0x2000, 1, 0x40000000 | P | U | PS);
    r = one_gib.walk(Access::Read, Privilege::User);
    REQUIRE(r.ok);
    CHECK(r.translation.page_size == (1u << 30));
    CHECK(r.translation.physical == 0x40000000 + (Tables::va & 0x3fffffff) + 0x123);
}

TEST_CASE("accessed and dirty bits: set by the CPU's walk, never by an observer", "[mmu]")
{
    Tables t(P | W);
    REQUIRE(t.walk(Access::Read, Privilege::Supervisor, cr0_pg, 0, efer_nxe, false, WalkMode::Observe).ok);
    CHECK((t.get(0x1000, 0) & A) == 0);
    CHECK((t.get(0x4000, 1) & (A | D)) == 0);

    auto r = t.walk(Access::Read, Privilege::Supervisor);
    REQUIRE(r.ok);
    CHECK_FALSE(r.translation.dirty);
    for (auto [table, index] : { std::pair<uint64_t, unsigned> { 0x1000, 0 }, { 0x2000, 1 }, { 0x3000, 1 }, { 0x4000, 1 } })
        CHECK((t.get(table, index) & A) == A);
    CHECK((t.get(0x4000, 1) & D) == 0);

    r = t.walk(Access::Write, Privilege::Supervisor);
    REQUIRE(r.ok);
    CHECK(r.translation.dirty);
    CHECK((t.get(0x4000, 1) & D) == D);
    CHECK((t.get(0x3000, 1) & D) == 0); // D only in the leaf

    Tables denied(P);
    REQUIRE_FALSE(denied.walk(Access::Write, Privilege::User).ok);
    CHECK((denied.get(0x4000, 1) & (A | D)) == 0); // a faulting walk sets nothing
}

TEST_CASE("paging off is the identity, and non-canonical addresses never translate", "[mmu]")
{
    Tables t(P);
    Mmu mmu(t.ram);
    auto r = mmu.walk(PagingState { 0, 0, 0, 0, false }, 0x1234567, Access::Write, Privilege::User, WalkMode::Update);
    REQUIRE(r.ok);
    CHECK(r.translation.physical == 0x1234567);
    auto const non_canonical = mmu.walk(PagingState { cr0_pg, 0x1000, 0, 0, false }, 0x0000800000000000ull, Access::Read,
                                        Privilege::Supervisor, WalkMode::Observe);
    CHECK_FALSE(non_canonical.ok);
    CHECK(non_canonical.non_canonical); // a #GP(0), not a #PF
    Tables unmapped(0);
    CHECK_FALSE(unmapped.walk(Access::Read, Privilege::Supervisor).non_canonical);
}

TEST_CASE("for_each_leaf lists present leaves with their effective permissions", "[mmu]")
{
    Tables t(P | W | U | NX);
    Mmu mmu(t.ram);
    std::vector<Mmu::Leaf> leaves;
    mmu.for_each_leaf(PagingState { cr0_pg, 0x1000, 0, efer_nxe, false }, [&](const Mmu::Leaf& l) { leaves.push_back(l); });
    REQUIRE(leaves.size() == 1);
    CHECK(leaves[0].va == Tables::va);
    CHECK(leaves[0].pa == Tables::pa);
    CHECK(leaves[0].size == 4096);
    CHECK(leaves[0].writable);
    CHECK(leaves[0].user);
    CHECK_FALSE(leaves[0].executable);
}
