// The first C++ code: turn whichever hand-off we got (lkmemu boot info or PVH start_info) into
// struct boot_params, then start_kernel(). Runs on the boot page tables, where the first 4 GiB of
// physical memory is identity-mapped, so hand-off structures are read at their physical address.
#include <lkmemu/boot.h>
#include <lkmemu/devices.h>
#include <asm/io.h>
#include <asm/page.h>
#include <kernel/bootparam.h>
#include <kernel/init.h>
#include <kernel/string.h>

struct boot_params boot_params;
u64 page_offset_base = 0;

namespace {

// Xen's PVH hand-off (xen/include/public/arch-x86/hvm/start_info.h), the fields we read.
constexpr u64 XEN_HVM_START_MAGIC_VALUE = 0x336ec578;
struct hvm_start_info {
    u32 magic;
    u32 version;
    u32 flags;
    u32 nr_modules;
    u64 modlist_paddr;
    u64 cmdline_paddr;
    u64 rsdp_paddr;
    u64 memmap_paddr; // version >= 1
    u32 memmap_entries;
    u32 reserved;
};
struct hvm_memmap_table_entry {
    u64 addr;
    u64 size;
    u32 type; // E820 types: 1 = RAM
    u32 reserved;
};
constexpr u32 E820_TYPE_RAM = 1;
struct hvm_modlist_entry { // QEMU's -initrd is the first module
    u64 paddr;
    u64 size;
    u64 cmdline_paddr;
    u64 reserved;
};

template<typename T> const T* phys(u64 address) { return reinterpret_cast<const T*>(address); }

void add_region(u64 base, u64 length, lkmemu_memory_type type)
{
    if (boot_params.nr_regions < MAX_MEMORY_REGIONS)
        boot_params.regions[boot_params.nr_regions++] = { base, length, type };
}

void copy_command_line(u64 paddr, u64 max_length)
{
    if (!paddr)
        return;
    const char* src = phys<char>(paddr);
    size_t n = strnlen(src, min<u64>(max_length, COMMAND_LINE_SIZE - 1));
    memcpy(boot_params.command_line, src, n);
    boot_params.command_line[n] = '\0';
}

bool parse_lkmemu(u64 info_paddr)
{
    auto* info = phys<lkmemu_boot_info>(info_paddr);
    if (info->magic != LKMEMU_BOOT_MAGIC || info->version != LKMEMU_BOOT_INFO_VERSION)
        return false;
    boot_params.protocol = BootProtocol::Lkmemu;
    auto* regions = phys<lkmemu_memory_region>(info->memory_regions_paddr);
    for (u32 i = 0; i < info->memory_region_count; i++)
        add_region(regions[i].base, regions[i].length, static_cast<lkmemu_memory_type>(regions[i].type));
    copy_command_line(info->cmdline_paddr, info->cmdline_length);
    boot_params.initrd_start = info->initrd_paddr;
    boot_params.initrd_size = info->initrd_size;
    return true;
}

bool parse_pvh(u64 start_info_paddr)
{
    auto* info = phys<hvm_start_info>(start_info_paddr);
    if (info->magic != XEN_HVM_START_MAGIC_VALUE || info->version < 1)
        return false;
    boot_params.protocol = BootProtocol::Pvh;
    auto* map = phys<hvm_memmap_table_entry>(info->memmap_paddr);
    for (u32 i = 0; i < info->memmap_entries; i++) {
        auto type = map[i].type == E820_TYPE_RAM ? LKMEMU_MEMORY_USABLE : LKMEMU_MEMORY_RESERVED;
        add_region(map[i].addr, map[i].size, type);
    }
    copy_command_line(info->cmdline_paddr, COMMAND_LINE_SIZE - 1);
    if (info->nr_modules && info->modlist_paddr) {
        auto* module = phys<hvm_modlist_entry>(info->modlist_paddr);
        boot_params.initrd_start = module->paddr;
        boot_params.initrd_size = module->size;
    }
    return true;
}

} // namespace

u64 boot_ram_size_rounded()
{
    u64 top = 0;
    for (size_t i = 0; i < boot_params.nr_regions; i++) {
        const memory_region& r = boot_params.regions[i];
        if (r.type == LKMEMU_MEMORY_USABLE || r.type == LKMEMU_MEMORY_BOOT || r.type == LKMEMU_MEMORY_KERNEL ||
            r.type == LKMEMU_MEMORY_INITRD)
            top = max(top, r.base + r.length);
    }
    return align_up(top, 1ull << 20);
}

extern "C" [[noreturn]] void x86_64_start_kernel(u64 magic, u64 info_paddr)
{
    bool ok = false;
    if (magic == LKMEMU_BOOT_MAGIC)
        ok = parse_lkmemu(info_paddr);
    else if (magic == XEN_HVM_START_MAGIC_VALUE)
        ok = parse_pvh(info_paddr);
    if (!ok) {
        // No console yet and no memory map to trust: all we can do is say "crashed".
        outl(LKMEMU_PORT_DEBUG_EXIT, LKMEMU_EXIT_PANIC);
        for (;;)
            asm volatile("cli; hlt");
    }
    start_kernel();
}
