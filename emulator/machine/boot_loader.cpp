#include "machine/boot_loader.h"

#include "cpu/x86.h"

#include <lkmemu/boot.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace lkmemu {

namespace {

constexpr uint64_t page_size = 4096;
constexpr uint64_t boot_area_end = 0x10000;           // boot info, memory map, GDT, cmdline
constexpr uint64_t pagetables_end = 0x80000;          // initial page tables
constexpr uint64_t pc_hole_start = 0x9f000, pc_hole_end = 0x100000;
constexpr uint64_t memory_map_paddr = LKMEMU_BOOT_INFO_PADDR + 0x100;
constexpr uint64_t gdt_paddr = LKMEMU_BOOT_INFO_PADDR + 0x400;
constexpr uint64_t cmdline_paddr = LKMEMU_BOOT_INFO_PADDR + 0x1000;
constexpr uint64_t identity_map_size = 4ull << 30;

namespace pte = x86::pte;
constexpr uint64_t table_flags = pte::present | pte::writable; // leaves decide permissions

// Builds 4-level tables in [LKMEMU_BOOT_PAGETABLES_PADDR, pagetables_end) of guest RAM.
class PageTableBuilder {
public:
    explicit PageTableBuilder(std::span<uint8_t> ram) : m_ram(ram) {}

    Result<uint64_t> allocate_table()
    {
        if (m_next + page_size > pagetables_end)
            return make_error("the kernel image needs more initial page tables than fit in "
                              "[0x10000, 0x80000)");
        uint64_t const table = m_next;
        m_next += page_size;
        std::memset(m_ram.data() + table, 0, page_size);
        return table;
    }

    uint64_t entry(uint64_t table, unsigned index) const
    {
        uint64_t e;
        std::memcpy(&e, m_ram.data() + table + index * 8, 8);
        return e;
    }
    void set_entry(uint64_t table, unsigned index, uint64_t e) { std::memcpy(m_ram.data() + table + index * 8, &e, 8); }

    // The table the entry at (table, index) points to, creating it (or splitting a 2 MiB leaf
    // into 512 equal 4 KiB leaves) when needed.
    Result<uint64_t> next_level(uint64_t table, unsigned index)
    {
        uint64_t const e = entry(table, index);
        if ((e & pte::present) && !(e & pte::large))
            return e & 0x000ffffffffff000ull;
        uint64_t const child = LKMEMU_TRY(allocate_table());
        if (e & pte::large) {
            uint64_t const base = e & 0x000fffffffe00000ull;
            uint64_t const flags = e & ~0x000fffffffe00000ull & ~pte::large;
            for (unsigned i = 0; i < 512; ++i)
                set_entry(child, i, (base + i * page_size) | flags);
        }
        set_entry(table, index, child | table_flags);
        return child;
    }

    Result<void> map_2m(uint64_t va, uint64_t pa, uint64_t flags)
    {
        uint64_t const pdpt = LKMEMU_TRY(next_level(m_pml4, (va >> 39) & 0x1ff));
        uint64_t const pd = LKMEMU_TRY(next_level(pdpt, (va >> 30) & 0x1ff));
        set_entry(pd, (va >> 21) & 0x1ff, pa | flags | pte::large);
        return {};
    }

    Result<void> map_4k(uint64_t va, uint64_t pa, uint64_t flags)
    {
        uint64_t const pdpt = LKMEMU_TRY(next_level(m_pml4, (va >> 39) & 0x1ff));
        uint64_t const pd = LKMEMU_TRY(next_level(pdpt, (va >> 30) & 0x1ff));
        uint64_t const pt = LKMEMU_TRY(next_level(pd, (va >> 21) & 0x1ff));
        set_entry(pt, (va >> 12) & 0x1ff, pa | flags);
        return {};
    }

    Result<void> start() { m_pml4 = LKMEMU_TRY(allocate_table()); return {}; }
    uint64_t pml4() const { return m_pml4; }
    uint64_t used_end() const { return m_next; }

private:
    std::span<uint8_t> m_ram;
    uint64_t m_next = LKMEMU_BOOT_PAGETABLES_PADDR;
    uint64_t m_pml4 = 0;
};

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }

} // namespace

Result<BootState> prepare_boot(const KernelImage& kernel, std::span<uint8_t> ram, const std::string& cmdline,
                               const BootInitrd& boot_initrd)
{
    std::span<const uint8_t> const initrd = boot_initrd.bytes;
    if (cmdline.size() + 1 > boot_area_end - cmdline_paddr)
        return make_error(fmt::format("kernel command line is {} bytes; at most {} fit", cmdline.size(),
                                      boot_area_end - cmdline_paddr - 1));
    kernel.load_into(ram);

    // Page tables: identity [0, 4 GiB) rw- NX in 2 MiB pages, then each PT_LOAD in 4 KiB pages.
    PageTableBuilder tables(ram);
    LKMEMU_TRY(tables.start());
    for (uint64_t pa = 0; pa < identity_map_size; pa += 2ull << 20)
        LKMEMU_TRY(tables.map_2m(pa, pa, pte::present | pte::writable | pte::nx));
    for (auto const& s : kernel.segments()) {
        if (!s.readable)
            continue;
        uint64_t const flags = pte::present | (s.writable ? pte::writable : 0) | (s.executable ? 0 : pte::nx);
        uint64_t const first = align_down(s.vaddr, page_size);
        uint64_t const last = align_up(s.vaddr + s.memory_size, page_size);
        for (uint64_t va = first; va < last; va += page_size)
            LKMEMU_TRY(tables.map_4k(va, align_down(s.paddr, page_size) + (va - first), flags));
    }

    // Boot GDT: null, 0x08 64-bit ring-0 code, 0x10 ring-0 data.
    uint64_t const gdt[3] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };
    std::memcpy(ram.data() + gdt_paddr, gdt, sizeof gdt);

    // Memory map, in address order.
    uint64_t const ram_size = ram.size();
    uint64_t const kernel_start = align_down(kernel.paddr_start(), page_size);
    uint64_t const kernel_end = align_up(kernel.paddr_end(), page_size);
    std::vector<lkmemu_memory_region> regions;
    auto add = [&](uint64_t base, uint64_t end, uint32_t type) {
        if (end > base)
            regions.push_back(lkmemu_memory_region { base, end - base, type, 0 });
    };
    add(0, LKMEMU_BOOT_INFO_PADDR, LKMEMU_MEMORY_RESERVED);
    add(LKMEMU_BOOT_INFO_PADDR, pagetables_end, LKMEMU_MEMORY_BOOT);
    add(pagetables_end, pc_hole_start, LKMEMU_MEMORY_USABLE);
    add(pc_hole_start, pc_hole_end, LKMEMU_MEMORY_RESERVED);
    add(pc_hole_end, kernel_start, LKMEMU_MEMORY_USABLE);
    add(kernel_start, kernel_end, LKMEMU_MEMORY_KERNEL);
    // The initrd right above the kernel, where nothing has been allocated when the kernel
    // reserves it; its pages go to the allocator once it is unpacked.
    uint64_t const initrd_start = initrd.empty() ? 0 : kernel_end;
    uint64_t const initrd_end = initrd_start + align_up(initrd.size(), page_size);
    if (!initrd.empty()) {
        if (initrd_end + min_free_after_initrd > ram_size)
            return make_error(fmt::format("initrd {} is too large: {} bytes above the kernel (at {:#x}) leave less "
                                          "than {} MiB of the {} MiB of RAM free (--memory)",
                                          boot_initrd.name, initrd.size(), kernel_end, min_free_after_initrd >> 20,
                                          ram_size >> 20));
        std::memcpy(ram.data() + initrd_start, initrd.data(), initrd.size());
        add(initrd_start, initrd_end, LKMEMU_MEMORY_INITRD);
    }
    add(std::max(kernel_end, initrd_end), ram_size, LKMEMU_MEMORY_USABLE);
    std::memcpy(ram.data() + memory_map_paddr, regions.data(), regions.size() * sizeof(lkmemu_memory_region));

    std::memcpy(ram.data() + cmdline_paddr, cmdline.c_str(), cmdline.size() + 1);

    lkmemu_boot_info info {};
    info.magic = LKMEMU_BOOT_MAGIC;
    info.version = LKMEMU_BOOT_INFO_VERSION;
    info.memory_region_count = static_cast<uint32_t>(regions.size());
    info.memory_regions_paddr = memory_map_paddr;
    info.cmdline_paddr = cmdline_paddr;
    info.cmdline_length = cmdline.size();
    info.initial_pagetables_paddr = LKMEMU_BOOT_PAGETABLES_PADDR;
    info.initial_pagetables_size = tables.used_end() - LKMEMU_BOOT_PAGETABLES_PADDR;
    info.kernel_paddr_start = kernel.paddr_start();
    info.kernel_paddr_end = kernel.paddr_end();
    info.ram_size = ram_size;
    info.initrd_paddr = initrd_start;
    info.initrd_size = initrd.size();
    std::memcpy(ram.data() + LKMEMU_BOOT_INFO_PADDR, &info, sizeof info);

    return BootState { kernel.entry(), tables.pml4(), LKMEMU_BOOT_INFO_PADDR, gdt_paddr, sizeof gdt - 1 };
}

} // namespace lkmemu
