// Mmu: the x86-64 4-level page walk, done by the host for the CPU engine's TLB-fill hook and for
// observers (debugger, vmmap). It reads the page tables straight from guest RAM, so it can be
// tested without a CPU: hand it a buffer holding page tables.
//
// Implemented: P, R/W, U/S, NX (only when EFER.NXE), CR0.WP, CR4.SMEP, CR4.SMAP (with RFLAGS.AC),
// 4 KiB / 2 MiB / 1 GiB pages, reserved-bit checks, accessed and dirty bits, and the
// architectural #PF error code. Not implemented: protection keys, 5-level paging, PCIDs (CR3's
// low 12 bits are ignored, as with CR4.PCIDE clear).
#pragma once

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

    bool paging_enabled() const { return cr0 & (1ull << 31); }
};

// The architectural #PF error code bits.
namespace pf {
inline constexpr uint32_t present = 1u << 0; // 0: page not present; 1: protection violation
inline constexpr uint32_t write = 1u << 1;
inline constexpr uint32_t user = 1u << 2;
inline constexpr uint32_t reserved = 1u << 3; // a reserved bit was set in a paging entry
inline constexpr uint32_t fetch = 1u << 4;    // instruction fetch (reported when NXE or SMEP)
} // namespace pf

struct Translation {
    uint64_t physical = 0;  // of the byte asked for
    uint64_t page_size = 0; // 4 KiB, 2 MiB or 1 GiB
    bool writable = false;  // R/W set at every level
    bool user = false;      // U/S set at every level
    bool executable = false; // no level has XD (or NXE is off)
    bool dirty = false;     // the leaf's D bit (after this walk's update, if any)
};

struct PageFault {
    uint64_t address = 0;
    uint32_t error_code = 0;
};

struct WalkResult {
    bool ok = false;
    Translation translation; // when ok
    PageFault fault;         // when !ok
};

class Mmu {
public:
    // Guest physical memory starting at physical 0. Page-table entries outside it read as not
    // present.
    explicit Mmu(std::span<uint8_t> ram) : m_ram(ram) {}

    // Translate va for one access as the CPU would, or say which #PF the access raises.
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
