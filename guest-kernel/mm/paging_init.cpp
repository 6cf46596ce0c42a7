// The kernel's own page tables, W^X from the moment CR3 points at them:
//   kernel text r-x, rodata r--, data/bss rw- NX, kallsyms r-- (4 KiB pages, the linker script
//   page-aligns every boundary), and a direct map of RAM at DIRECT_MAP_BASE rw- NX (2 MiB pages,
//   with the kernel text's alias made read-only). Nothing is mapped at 0 or in user space.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <kernel/bootparam.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <mm/internal.h>

extern "C" char _text[], _etext[], __start_rodata[], __end_rodata[], _sdata[], __bss_stop[],
    __start_kallsyms[], __end_kallsyms[];

namespace {

u64 g_kernel_pml4;

void map_range_or_panic(u64 start, u64 end, pgprot_t prot, const char* what)
{
    for (u64 va = start; va < end; va += PAGE_SIZE) {
        auto result = map_page(g_kernel_pml4, va, __pa(reinterpret_cast<void*>(va)), prot);
        if (result.is_error())
            panic("paging_init: cannot map %s at %#lx: %s", what, va, result.error().reason);
    }
}

bool overlaps_ram(u64 start, u64 end)
{
    for (size_t i = 0; i < boot_params.nr_regions; i++) {
        const memory_region& r = boot_params.regions[i];
        bool ram = r.type == LKMEMU_MEMORY_USABLE || r.type == LKMEMU_MEMORY_BOOT || r.type == LKMEMU_MEMORY_KERNEL ||
                   r.type == LKMEMU_MEMORY_INITRD;
        if (ram && r.base < end && start < r.base + r.length)
            return true;
    }
    return false;
}

// The direct map: every 2 MiB chunk of physical memory that holds RAM.
void map_direct_map()
{
    u64 top = min<u64>(boot_ram_size_rounded(), 4ull << 30);
    for (u64 pa = 0; pa < top; pa += PMD_SIZE) {
        if (!overlaps_ram(pa, pa + PMD_SIZE))
            continue;
        u64 va = DIRECT_MAP_BASE + pa;
        u64* entries = static_cast<u64*>(__va(g_kernel_pml4));
        for (int level = 4; level > 2; level--) {
            u64* entry = &entries[pt_index(va, level)];
            if (!(*entry & _PAGE_PRESENT)) {
                auto next = alloc_page();
                if (next.is_error())
                    panic("paging_init: out of memory for the direct map");
                *entry = next.value() | _PAGE_PRESENT | _PAGE_RW;
            }
            entries = static_cast<u64*>(__va(*entry & PTE_PFN_MASK));
        }
        entries[pt_index(va, 2)] = pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_NX | _PAGE_PSE;
    }
}

u64 addr(const char* symbol) { return reinterpret_cast<u64>(symbol); }

} // namespace

u64 kernel_pml4_phys() { return g_kernel_pml4; }

void paging_init()
{
    auto pml4 = alloc_page();
    if (pml4.is_error())
        panic("paging_init: no memory for the kernel's page tables");
    g_kernel_pml4 = pml4.value();

    map_range_or_panic(addr(_text), addr(_etext), PAGE_KERNEL_ROX, "text");
    map_range_or_panic(addr(__start_rodata), addr(__end_rodata), PAGE_KERNEL_RO, "rodata");
    map_range_or_panic(addr(_sdata), addr(__bss_stop), PAGE_KERNEL, "data");
    map_range_or_panic(addr(__start_kallsyms), addr(__end_kallsyms), PAGE_KERNEL_RO, "kallsyms");
    map_direct_map();

    // From here on physical memory is reached through the direct map; the boot tables (and
    // their identity map of low memory) are gone.
    write_cr3(g_kernel_pml4);
    page_offset_base = DIRECT_MAP_BASE;

    // The direct map's alias of the kernel text and rodata must not be writable either.
    u64 alias = reinterpret_cast<u64>(__va(__pa(_text)));
    auto ro = set_memory_ro(alias, (addr(__end_rodata) - addr(_text)) / PAGE_SIZE);
    if (ro.is_error())
        panic("paging_init: cannot protect the kernel text alias: %s", ro.error().reason);

    pr_info("paging: kernel text r-x, rodata r--, data rw- NX, direct map at %#lx\n", DIRECT_MAP_BASE);
}
