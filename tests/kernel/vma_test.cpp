// The VMA tree of an address space (guest-kernel/mm/vma.cpp) on the host: lookup, split, merge,
// the top-down search for a free range with a stack's guard gap, and no cap on the count. The
// VMAs come from the real kmalloc (over the fake page allocator); files are stand-ins whose
// references get_file/fput count here.
#include <catch2/catch.hpp>

#include <map>
#include <vector>

#include <kernel/mm.h>
#include <kernel/slab.h>

// fs.h is not included: its PATH_MAX collides with the host's. The files are opaque here.
struct file;
file* get_file(file* f);
void fput(file* f);

// The file references vma.cpp takes and drops, per file.
namespace {
std::map<const file*, int> g_file_refs;
} // namespace

file* get_file(file* f)
{
    g_file_refs[f]++;
    return f;
}
void fput(file* f) { g_file_refs[f]--; }

namespace {

constexpr u64 P = 4096;

struct test_mm {
    mm_struct mm {};
    ~test_mm()
    {
        while (rb_node* node = rb_first(&mm.mm_rb)) {
            vm_area_struct* vma = rb_entry(node, vm_area_struct, vm_rb);
            vma_unlink(vma);
            vm_area_free(vma);
        }
    }
    vm_area_struct* add(u64 start, u64 end, unsigned long flags = VM_READ | VM_WRITE | VM_MAY_FLAGS, file* f = nullptr,
                        u64 pgoff = 0)
    {
        vm_area_struct* vma = vm_area_alloc(&mm).release_value();
        vma->vm_start = start;
        vma->vm_end = end;
        vma->vm_flags = flags;
        vma->vm_page_prot = vm_get_page_prot(flags);
        if (f)
            vma->vm_file = get_file(f);
        vma->vm_pgoff = pgoff;
        vma_link(vma);
        return vma;
    }
    std::vector<std::pair<u64, u64>> ranges()
    {
        std::vector<std::pair<u64, u64>> out;
        for (rb_node* node = rb_first(&mm.mm_rb); node; node = rb_next(node)) {
            auto* vma = rb_entry(node, vm_area_struct, vm_rb);
            out.emplace_back(vma->vm_start, vma->vm_end);
        }
        return out;
    }
};

} // namespace

TEST_CASE("find_vma: the first VMA ending above the address, in O(log n)")
{
    test_mm t;
    t.add(0x10 * P, 0x20 * P);
    t.add(0x40 * P, 0x50 * P);
    t.add(0x30 * P, 0x38 * P);
    CHECK(find_vma(&t.mm, 0) -> vm_start == 0x10 * P);
    CHECK(find_vma(&t.mm, 0x1f * P + 5)->vm_start == 0x10 * P);
    CHECK(find_vma(&t.mm, 0x20 * P)->vm_start == 0x30 * P); // in a gap: the next one
    CHECK(find_vma(&t.mm, 0x4f * P)->vm_start == 0x40 * P);
    CHECK(find_vma(&t.mm, 0x50 * P) == nullptr);
    CHECK(find_vma_intersection(&t.mm, 0x20 * P, 0x30 * P) == nullptr);
    CHECK(find_vma_intersection(&t.mm, 0x20 * P, 0x31 * P)->vm_start == 0x30 * P);
    CHECK(t.mm.map_count == 3);
    CHECK(t.mm.total_vm == 0x10 + 0x10 + 0x8);
}

TEST_CASE("split_vma: two VMAs with the counters and file offset carried over")
{
    test_mm t;
    char storage;
    file* f = reinterpret_cast<file*>(&storage);
    vm_area_struct* vma = t.add(0x100 * P, 0x110 * P, VM_READ | VM_MAY_FLAGS, f, 7);
    vm_area_struct* upper = split_vma(vma, 0x104 * P).release_value();
    CHECK(vma->vm_end == 0x104 * P);
    CHECK(upper->vm_start == 0x104 * P);
    CHECK(upper->vm_end == 0x110 * P);
    CHECK(upper->vm_pgoff == 7 + 4);
    CHECK(g_file_refs[f] == 2);
    CHECK(t.mm.map_count == 2);
    CHECK(t.mm.total_vm == 0x10);
    CHECK(find_vma(&t.mm, 0x105 * P) == upper);

    // Contiguous file offsets and equal flags: they merge back into one.
    CHECK(vma_merge_neighbours(upper) == vma);
    CHECK(vma->vm_end == 0x110 * P);
    CHECK(t.mm.map_count == 1);
    CHECK(t.mm.total_vm == 0x10);
    CHECK(g_file_refs[f] == 1);
}

TEST_CASE("vma_merge_neighbours: adjacent anonymous VMAs with equal flags become one")
{
    test_mm t;
    t.add(0x10 * P, 0x11 * P);
    t.add(0x12 * P, 0x13 * P);
    t.add(0x13 * P, 0x14 * P, VM_READ | VM_MAY_FLAGS); // other flags: stays apart
    vm_area_struct* middle = t.add(0x11 * P, 0x12 * P);
    vm_area_struct* merged = vma_merge_neighbours(middle);
    CHECK(merged->vm_start == 0x10 * P);
    CHECK(merged->vm_end == 0x13 * P);
    CHECK(t.ranges() == std::vector<std::pair<u64, u64>> { { 0x10 * P, 0x13 * P }, { 0x13 * P, 0x14 * P } });

    // A page at a time, as brk grows a heap: still one VMA.
    for (u64 page = 0x20; page < 0x60; page++)
        vma_merge_neighbours(t.add(page * P, (page + 1) * P));
    CHECK(t.mm.map_count == 3);
    CHECK(find_vma(&t.mm, 0x20 * P)->vm_end == 0x60 * P);

    // Files: the same file with a gap in the offsets does not merge.
    char storage;
    file* f = reinterpret_cast<file*>(&storage);
    t.add(0x100 * P, 0x101 * P, VM_READ | VM_MAY_FLAGS, f, 0);
    vm_area_struct* apart = t.add(0x101 * P, 0x102 * P, VM_READ | VM_MAY_FLAGS, f, 5);
    CHECK(vma_merge_neighbours(apart) == apart);
    CHECK(t.mm.map_count == 5);
}

TEST_CASE("find_unmapped_area_topdown: the highest gap that fits, clear of a stack's guard gap")
{
    test_mm t;
    u64 high = 0x100000 * P;
    CHECK(find_unmapped_area_topdown(&t.mm, 4 * P, MMAP_MIN_ADDR, high).value() == high - 4 * P);
    t.add(high - 8 * P, high); // right under high
    t.add(high - 20 * P, high - 12 * P);
    // The 4-page gap between them fits 4 pages, not 5.
    CHECK(find_unmapped_area_topdown(&t.mm, 4 * P, MMAP_MIN_ADDR, high).value() == high - 12 * P);
    CHECK(find_unmapped_area_topdown(&t.mm, 5 * P, MMAP_MIN_ADDR, high).value() == high - 25 * P);
    // Nothing that large below high.
    CHECK(find_unmapped_area_topdown(&t.mm, high, MMAP_MIN_ADDR, high).error().code == LKM_ENOMEM);

    // Below a stack, its guard gap is not free.
    test_mm s;
    s.add(high - 16 * P, high, VM_READ | VM_WRITE | VM_GROWSDOWN | VM_MAY_FLAGS);
    CHECK(find_unmapped_area_topdown(&s.mm, P, MMAP_MIN_ADDR, high).value() == high - 16 * P - STACK_GUARD_GAP - P);
}

TEST_CASE("VMAs have no cap: thousands, each found by address")
{
    test_mm t;
    constexpr u64 count = 5000;
    for (u64 i = 0; i < count; i++)
        t.add((0x1000 + 2 * i) * P, (0x1001 + 2 * i) * P); // every other page: nothing merges
    CHECK(t.mm.map_count == count);
    for (u64 i = 0; i < count; i += 97)
        CHECK(find_vma(&t.mm, (0x1000 + 2 * i) * P + 17)->vm_start == (0x1000 + 2 * i) * P);
}

TEST_CASE("vm_get_page_prot: the PTE bits of each protection")
{
    CHECK(vm_get_page_prot(VM_READ).bits == (_PAGE_PRESENT | _PAGE_USER | _PAGE_NX));
    CHECK(vm_get_page_prot(VM_READ | VM_WRITE).bits == (_PAGE_PRESENT | _PAGE_USER | _PAGE_RW | _PAGE_NX));
    CHECK(vm_get_page_prot(VM_READ | VM_EXEC).bits == (_PAGE_PRESENT | _PAGE_USER));
    CHECK(vm_get_page_prot(VM_READ | VM_WRITE | VM_EXEC).bits == (_PAGE_PRESENT | _PAGE_USER | _PAGE_RW));
    u64 none = vm_get_page_prot(VM_NONE).bits;
    CHECK_FALSE(none & _PAGE_PRESENT); // every access faults
    CHECK(none & _PAGE_PROTNONE);      // yet a page there is kept
}

TEST_CASE("VMAs are freed: kmalloc back to where it was")
{
    u64 before = kernel_meminfo.kmalloc_objects;
    {
        test_mm t;
        for (u64 i = 0; i < 100; i++)
            t.add((0x1000 + 2 * i) * P, (0x1001 + 2 * i) * P);
    }
    CHECK(kernel_meminfo.kmalloc_objects == before);
}
