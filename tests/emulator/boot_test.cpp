// Booting: kernel.elf checks with exact errors, and the state the kernel's entry receives
// (boot.h): registers, boot info, memory map, initial page tables.
#include "test_guest.h"

#include <lkmemu/boot.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <fmt/format.h>

using namespace lkmemu;
using namespace lkmemu::test;

namespace {
std::string create_error(const std::string& path, uint64_t memory_mib = 32)
{
    auto machine = Machine::create(MachineConfig { path, "", memory_mib });
    REQUIRE(machine.is_error());
    return machine.error().message;
}
} // namespace

TEST_CASE("boot errors name the kernel file and the reason", "[boot]")
{
    CHECK(create_error("/nonexistent/kernel.elf") == "kernel '/nonexistent/kernel.elf': cannot open: No such file or directory");

    TempFile const not_elf("kernel.elf", { '#', '!', '/', 'b', 'i', 'n' });
    CHECK(create_error(not_elf.path()) == "kernel '" + not_elf.path() + "': not an ELF file (bad magic)");

    auto good = make_elf(ElfSpec {});
    TempFile const header_only("kernel.elf", std::vector<uint8_t>(good.begin(), good.begin() + 40));
    CHECK(create_error(header_only.path()) == "kernel '" + header_only.path() + "': truncated: 40 bytes, shorter than an ELF64 header");

    auto truncated_bytes = good;
    truncated_bytes.resize(good.size() - 1);
    TempFile const truncated("kernel.elf", truncated_bytes);
    CHECK_THAT(create_error(truncated.path()), Catch::StartsWith("kernel '" + truncated.path() + "': truncated: PT_LOAD 0"));

    // All PT_LOADs present, but the section header table (after them) cut off.
    auto cut_sections = good;
    uint64_t const shoff = good.size() + 0x100;
    uint16_t const shentsize = 64, shnum = 4;
    std::memcpy(cut_sections.data() + 0x28, &shoff, 8);     // e_shoff
    std::memcpy(cut_sections.data() + 0x3a, &shentsize, 2); // e_shentsize
    std::memcpy(cut_sections.data() + 0x3c, &shnum, 2);     // e_shnum
    TempFile const no_sections("kernel.elf", cut_sections);
    CHECK(create_error(no_sections.path()) ==
          fmt::format("kernel '{}': truncated: section headers end at {:#x}, file is {:#x} bytes", no_sections.path(),
                      shoff + 4 * 64, good.size()));

    ElfSpec arm;
    arm.machine = 183; // EM_AARCH64
    TempFile const wrong_machine("kernel.elf", make_elf(arm));
    CHECK(create_error(wrong_machine.path()) == "kernel '" + wrong_machine.path() + "': wrong machine 183 (need EM_X86_64, 62)");

    ElfSpec elf32;
    elf32.elf_class = 1;
    TempFile const wrong_class("kernel.elf", make_elf(elf32));
    CHECK(create_error(wrong_class.path()) == "kernel '" + wrong_class.path() + "': wrong ELF class 1 (need ELFCLASS64)");

    ElfSpec too_big;
    too_big.memory_size = 64ull << 20;
    TempFile const outside("kernel.elf", make_elf(too_big));
    CHECK_THAT(create_error(outside.path()), Catch::EndsWith("lies outside the machine's 32 MiB of RAM"));

    ElfSpec low;
    low.paddr = 0x8000;
    low.vaddr = 0x8000;
    low.entry = 0x8000;
    CHECK_THAT(create_error(TempFile("kernel.elf", make_elf(low)).path()), Catch::EndsWith("over the boot info and page tables"));

    ElfSpec data_entry;
    data_entry.flags = 6; // RW, no X
    CHECK_THAT(create_error(TempFile("kernel.elf", make_elf(data_entry)).path()),
               Catch::EndsWith("is not inside an executable PT_LOAD"));

    CHECK(create_error(TempFile("kernel.elf", good).path(), 2) == "memory size 2 MiB is outside [8, 4096] MiB");
}

TEST_CASE("every truncation of a kernel file is refused with an error, never a crash", "[boot]")
{
    auto const good = make_elf(ElfSpec {});
    for (size_t length = 0; length < good.size(); length += (length < 200 ? 1 : 97)) {
        TempFile const file("kernel.elf", std::vector<uint8_t>(good.begin(), good.begin() + static_cast<long>(length)));
        auto machine = Machine::create(MachineConfig { file.path(), "", 32 });
        INFO("length " << length);
        REQUIRE(machine.is_error());
        CHECK_THAT(machine.error().message, Catch::StartsWith("kernel '" + file.path() + "': "));
    }
}

TEST_CASE("the kernel entry gets the boot protocol's state", "[boot]")
{
    auto machine = TestGuest({ Chunk { 0, { 0xf4 /* hlt */ } } }, false).machine();
    auto const result = machine->run();
    REQUIRE(result.reason == StopReason::Dead); // hlt with IF = 0

    auto const r = machine->registers();
    CHECK(r.rip == text_va + 1);
    CHECK(r.rdi == LKMEMU_BOOT_MAGIC);
    CHECK(r.rsi == LKMEMU_BOOT_INFO_PADDR);
    CHECK(r.rsp == 0);
    CHECK(r.cs == 0x08);
    CHECK(r.ss == 0x10);
    CHECK(r.ds == 0x10);
    CHECK(r.rflags == 0x2);
    CHECK(r.cr0 == 0x80010033);                      // PE MP ET NE WP PG
    CHECK(r.cr4 == 0x620);                           // PAE OSFXSR OSXMMEXCPT
    CHECK(r.efer == ((1u << 8) | (1u << 10) | (1u << 11))); // LME LMA NXE
    CHECK(r.cr3 == LKMEMU_BOOT_PAGETABLES_PADDR);

    lkmemu_boot_info info;
    REQUIRE_FALSE(machine->read_physical(LKMEMU_BOOT_INFO_PADDR, { reinterpret_cast<uint8_t*>(&info), sizeof info }).is_error());
    CHECK(info.magic == LKMEMU_BOOT_MAGIC);
    CHECK(info.version == LKMEMU_BOOT_INFO_VERSION);
    CHECK(info.ram_size == 32ull << 20);
    CHECK(info.kernel_paddr_start == text_pa);
    CHECK(info.kernel_paddr_end == text_pa + 0x4000);
    CHECK(info.initial_pagetables_paddr == LKMEMU_BOOT_PAGETABLES_PADDR);
    std::string cmdline(info.cmdline_length, '\0');
    REQUIRE_FALSE(machine->read_physical(info.cmdline_paddr, { reinterpret_cast<uint8_t*>(cmdline.data()), cmdline.size() }).is_error());
    CHECK(cmdline == "test");

    std::vector<lkmemu_memory_region> regions(info.memory_region_count);
    REQUIRE_FALSE(machine->read_physical(info.memory_regions_paddr,
                                         { reinterpret_cast<uint8_t*>(regions.data()), regions.size() * sizeof regions[0] })
                      .is_error());
    std::vector<std::tuple<uint64_t, uint64_t, uint32_t>> map;
    for (auto const& region : regions)
        map.emplace_back(region.base, region.length, region.type);
    CHECK(map == std::vector<std::tuple<uint64_t, uint64_t, uint32_t>> {
              { 0, 0x1000, LKMEMU_MEMORY_RESERVED },
              { 0x1000, 0x7f000, LKMEMU_MEMORY_BOOT },
              { 0x80000, 0x1f000, LKMEMU_MEMORY_USABLE },
              { 0x9f000, 0x61000, LKMEMU_MEMORY_RESERVED },
              { 0x100000, 0x4000, LKMEMU_MEMORY_KERNEL },
              { 0x104000, (32ull << 20) - 0x104000, LKMEMU_MEMORY_USABLE },
          });

    // The initial page tables: the text r-x at its vaddr, and [0, 4 GiB) rw- NX.
    auto const ranges = machine->mapped_ranges();
    auto find = [&](uint64_t va) -> const MappedRange* {
        for (auto const& range : ranges) {
            if (va >= range.start && va < range.end)
                return &range;
        }
        return nullptr;
    };
    auto const* text = find(text_va);
    REQUIRE(text);
    CHECK(text->start == text_va);
    CHECK(text->end == text_va + 0x4000);
    CHECK(text->phys_start == text_pa);
    CHECK(text->executable);
    CHECK_FALSE(text->writable);
    CHECK_FALSE(text->user);
    auto const* low = find(0x1000);
    REQUIRE(low);
    CHECK(low->start == 0);
    CHECK(low->writable);
    CHECK_FALSE(low->executable);
    auto const* high = find(0xfffff000);
    REQUIRE(high);
    CHECK(high->end == 0x100000000ull);
}

TEST_CASE("observer reads see guest memory through the current page tables", "[boot]")
{
    auto machine = TestGuest({ Chunk { 0, { 0xf4 /* hlt */, 0x90 /* nop */ } } }, false).machine();
    uint8_t bytes[2] = {};
    REQUIRE_FALSE(machine->read_virtual(text_va, bytes).is_error());
    CHECK(bytes[0] == 0xf4);
    CHECK(bytes[1] == 0x90);
    auto const unmapped = machine->read_virtual(0x0000100000000000ull, bytes);
    REQUIRE(unmapped.is_error());
    CHECK(unmapped.error().message == "virtual address 0x100000000000 is not mapped (page-fault error code 0x0)");
    uint8_t const patch = 0xcc;
    REQUIRE_FALSE(machine->write_virtual(text_va + 1, { &patch, 1 }).is_error()); // read-only text: the debugger may write
    REQUIRE_FALSE(machine->read_virtual(text_va, bytes).is_error());
    CHECK(bytes[1] == 0xcc);
}
