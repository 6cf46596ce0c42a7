// Mmu: the x86-64 4-level page walk, done by the host for the CPU engine's TLB-fill hook, for the
// CPU's own accesses and for observers (debugger, vmmap). It reads the page tables straight from
// guest RAM, so it can be tested without a CPU: hand it a buffer holding page tables.
//
// The permission policy lives here and only here: walk() decides whether an access is allowed
// and, for the TLB, what every other access at the same privilege may do through the same
// translation (Translation::permitted), so the TLB-fill hook only transcribes the verdict.
//
// Implemented: P, R/W, U/S, NX (only when EFER.NXE), CR0.WP, CR4.SMEP, CR4.SMAP (with RFLAGS.AC),
// canonical form, 4 KiB / 2 MiB / 1 GiB pages, reserved-bit checks, accessed and dirty bits, and
// the architectural #PF error code. Not implemented: protection keys, 5-level paging, PCIDs
// (CR3's low 12 bits are ignored, as with CR4.PCIDE clear).
#pragma once

#include "cpu/x86.h"

#include <cstdint>
#include <functional>
#include <span>

namespace lkmemu {

enum class Access { Read, Write, Execute };
enum class Privilege { Supervisor, User };
// Update: what the CPU does (sets accessed, and dirty on writes). Observe: a debugger's look,
// which must leave no trace in the page tables.
enum class WalkMode { Update, Observe };

struct PagingState {
    uint64_t cr0 = 0;
    uint64_t cr3 = 0;
    uint64_t cr4 = 0;
    uint64_t efer = 0;
    bool alignment_check = false; // RFLAGS.AC: lets a supervisor touch user pages under SMAP

    bool paging_enabled() const { return cr0 & x86::cr0::pg; }
};

// Which accesses one privilege may make through a translation.
struct Permissions {
    bool read = false;
    bool write = false;
    bool execute = false;

    bool allows(Access access) const
    {
        return access == Access::Read ? read : access == Access::Write ? write : execute;
    }
};

struct Translation {
    uint64_t physical = 0;   // of the byte asked for
    uint64_t page_size = 0;  // 4 KiB, 2 MiB or 1 GiB
    bool writable = false;   // R/W set at every level
    bool user = false;       // U/S set at every level
    bool executable = false; // no level has XD (or NXE is off)
    bool dirty = false;      // the leaf's D bit (after this walk's update, if any)
    Permissions permitted;   // what the walk's privilege may do here (WP, SMEP, SMAP applied)

    // What a TLB may keep for this page: the permitted accesses, but write only once the page
    // is dirty, so the first write misses again and its walk sets D, as hardware does.
    Permissions cacheable() const { return { permitted.read, permitted.write && dirty, permitted.execute }; }
};

struct PageFault {
    uint64_t address = 0;
    uint32_t error_code = 0;
};

struct WalkResult {
    bool ok = false;
    Translation translation;    // when ok
    PageFault fault;            // when !ok
    bool non_canonical = false; // when !ok: the address is not canonical, a #GP(0) and no walk
};

// The #PF error code's access bits (W/R, U/S, I/D) for an access; I/D only with NXE or SMEP.
uint32_t page_fault_access_bits(const PagingState&, Access, Privilege);

class Mmu {
public:
    // Guest physical memory starting at physical 0. Page-table entries outside it read as not
    // present.
    explicit Mmu(std::span<uint8_t> ram) : m_ram(ram) {}

    // Translate va for one access as the CPU would, or say which fault the access raises.
    WalkResult walk(const PagingState&, uint64_t va, Access, Privilege, WalkMode) const;

    // Every present leaf mapping of the address space in CR3, in ascending virtual order (for
    // mapped_ranges / vmmap). Sets no bits.
    struct Leaf {
        uint64_t va, pa, size;
        bool writable, user, executable;
    };
    void for_each_leaf(const PagingState&, const std::function<void(const Leaf&)>&) const;

    std::span<uint8_t> ram() const { return m_ram; }

    static constexpr unsigned max_physical_address_bits = 40; // QEMU's default phys-bits

private:
    bool read_entry(uint64_t pa, uint64_t& out) const;
    void write_entry(uint64_t pa, uint64_t value) const;

    std::span<uint8_t> m_ram;
};

} // namespace lkmemu
