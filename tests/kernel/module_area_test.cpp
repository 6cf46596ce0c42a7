// The module area's allocator (guest-kernel/kernel/module/module_area.cpp) on the host, over the
// fake page allocator and a fake page table: allocations come lowest-fit with a guard page after
// each, as many as memory allows (no descriptor cap), a failed mapping unwinds, and freeing
// everything gives back every page and every descriptor.
#include "fake_page_alloc.h"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <stdexcept>

#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/mm.h>

#include "kernel/module/internal.h"

namespace {

std::map<u64, u64> g_mapped; // virtual page -> physical page
long g_maps_until_failure = -1; // map_page fails when this reaches 0 (-1: never)

// Once per process: the area's state is the kernel's, global.
void area_ready()
{
    static bool ready = false;
    if (!ready) {
        module_area_init();
        ready = true;
    }
    REQUIRE(g_mapped.empty());
}

// Where the old first-fit scan over allocations sorted by base puts `pages` (+ a guard page).
u64 lowest_fit(const std::map<u64, u64>& live, u64 pages)
{
    u64 candidate = MODULES_VADDR;
    for (auto [base, size_pages] : live) {
        if (candidate + (pages + 1) * PAGE_SIZE <= base)
            break;
        candidate = base + (size_pages + 1) * PAGE_SIZE;
    }
    return candidate;
}

bool mapped_exactly(u64 base, u64 pages)
{
    for (u64 i = 0; i < pages; i++)
        if (!g_mapped.count(base + i * PAGE_SIZE))
            return false;
    return !g_mapped.count(base + pages * PAGE_SIZE); // the guard page
}

} // namespace

u64 kernel_pml4_phys() { return 0x1000; }

lkm::ErrorOr<void> map_page(u64, u64 vaddr, u64 paddr, pgprot_t prot)
{
    if (g_maps_until_failure >= 0 && g_maps_until_failure-- == 0)
        return lkm::Error::from_errno(LKM_ENOMEM, "fake map_page: no page table");
    if (prot.bits != PAGE_KERNEL.bits || g_mapped.count(vaddr))
        throw std::logic_error("map_page: unexpected protection or already mapped");
    g_mapped[vaddr] = paddr;
    return {};
}

lkm::ErrorOr<u64> unmap_page(u64, u64 vaddr)
{
    auto it = g_mapped.find(vaddr);
    if (it == g_mapped.end())
        return lkm::Error::from_errno(LKM_EINVAL, "fake unmap_page: not mapped");
    u64 phys = it->second;
    g_mapped.erase(it);
    return phys;
}

TEST_CASE("module area: lowest fit with guard pages, for thousands of live allocations")
{
    area_ready();
    lkm_meminfo baseline = kernel_meminfo;
    std::map<u64, u64> live; // base -> pages
    std::mt19937 random(9);
    // 3000 live at most: far past the old cap of 256 allocations.
    for (int step = 0; step < 12000; step++) {
        bool allocate = live.empty() || (live.size() < 3000 && random() % 3 != 0);
        if (allocate) {
            u64 pages = 1 + random() % 6;
            u64 expected = lowest_fit(live, pages);
            auto address = module_alloc(pages * PAGE_SIZE);
            REQUIRE(!address.is_error());
            REQUIRE(address.value() == expected);
            REQUIRE(mapped_exactly(address.value(), pages));
            live[address.value()] = pages;
        } else {
            auto victim = live.begin();
            std::advance(victim, static_cast<long>(random() % live.size()));
            module_memfree(victim->first, victim->second * PAGE_SIZE);
            REQUIRE(!g_mapped.count(victim->first));
            live.erase(victim);
        }
    }
    u64 pages = 0;
    for (auto [base, size_pages] : live)
        pages += size_pages;
    CHECK(kernel_meminfo.module_area_pages == baseline.module_area_pages + pages);
    CHECK(g_mapped.size() == pages);

    for (auto [base, size_pages] : live)
        module_memfree(base, size_pages * PAGE_SIZE);
    CHECK(g_mapped.empty());
    CHECK(kernel_meminfo.module_area_pages == baseline.module_area_pages);
    CHECK(kernel_meminfo.kmalloc_objects == baseline.kmalloc_objects); // every descriptor merged away
    CHECK(kernel_meminfo.kmalloc_bytes == baseline.kmalloc_bytes);
    CHECK(kernel_meminfo.free_pages == baseline.free_pages);
    // The area is whole again: the next allocation starts at its beginning.
    auto again = module_alloc(PAGE_SIZE);
    REQUIRE(!again.is_error());
    CHECK(again.value() == MODULES_VADDR);
    module_memfree(again.value(), PAGE_SIZE);
}

TEST_CASE("module area: a mapping that fails unwinds the pages and the range")
{
    area_ready();
    lkm_meminfo baseline = kernel_meminfo;
    size_t outstanding = fake_pages_outstanding();
    auto first = module_alloc(2 * PAGE_SIZE);
    REQUIRE(!first.is_error());
    // Measured here: first's bookkeeping may have taken a new kmalloc page (freed slots wait in
    // kmalloc's quarantine instead of being reused at once).
    size_t with_first = fake_pages_outstanding();
    CHECK(with_first >= outstanding + 2);

    g_maps_until_failure = 2; // the third page of the next allocation
    auto failed = module_alloc(4 * PAGE_SIZE);
    g_maps_until_failure = -1;
    REQUIRE(failed.is_error());
    CHECK(failed.error().code == LKM_ENOMEM);
    CHECK(g_mapped.size() == 2);
    CHECK(fake_pages_outstanding() == with_first);

    auto next = module_alloc(4 * PAGE_SIZE); // the range the failed one had
    REQUIRE(!next.is_error());
    CHECK(next.value() == first.value() + 3 * PAGE_SIZE);
    module_memfree(next.value(), 4 * PAGE_SIZE);
    module_memfree(first.value(), 2 * PAGE_SIZE);
    CHECK(g_mapped.empty());
    CHECK(fake_pages_outstanding() == outstanding);
    CHECK(kernel_meminfo.kmalloc_objects == baseline.kmalloc_objects);
}

TEST_CASE("module area: sizes it cannot hold, and frees that do not match an allocation")
{
    area_ready();
    CHECK(module_alloc(0).error().code == LKM_EINVAL);
    CHECK(module_alloc(PAGE_SIZE + 1).error().code == LKM_EINVAL);
    auto too_big = module_alloc(MODULES_END - MODULES_VADDR);
    REQUIRE(too_big.is_error());
    CHECK(too_big.error().code == LKM_ENOMEM);
    CHECK(module_alloc(~0ull & ~(PAGE_SIZE - 1)).error().code == LKM_ENOMEM);
    // The largest that fits: the whole area but its guard page (nothing is mapped for it here:
    // a failing map_page unwinds at once).
    g_maps_until_failure = 0;
    auto whole = module_alloc(MODULES_END - MODULES_VADDR - PAGE_SIZE);
    g_maps_until_failure = -1;
    CHECK(whole.error().code == LKM_ENOMEM);
    CHECK(std::string(whole.error().reason) == "fake map_page: no page table");

    auto a = module_alloc(PAGE_SIZE);
    REQUIRE(!a.is_error());
    CHECK_THROWS_WITH(module_memfree(a.value() + PAGE_SIZE, PAGE_SIZE), Catch::Contains("not a module area allocation"));
    CHECK_THROWS_WITH(module_memfree(a.value(), 2 * PAGE_SIZE), Catch::Contains("freed with size"));
    module_memfree(a.value(), PAGE_SIZE);
    CHECK(g_mapped.empty());
}
