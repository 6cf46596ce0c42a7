// kmalloc/kfree (guest-kernel/mm/slab.cpp) over the fake page allocator: sizes, zeroing,
// alignment, and the bookkeeping the host's meminfo relies on returning to its baseline.
#include "fake_kernel.h"
#include "fake_page_alloc.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <kernel/mm.h>
#include <kernel/slab.h>

TEST_CASE("kmalloc counts bytes and objects, kfree returns them and every page")
{
    REQUIRE(kernel_meminfo.kmalloc_bytes == 0);
    std::vector<void*> blocks;
    size_t expected = 0;
    for (size_t size : { 1, 8, 16, 17, 100, 500, 1000, 1008, 1009, 4096, 5000, 1 << 20 }) {
        void* p = kmalloc(size);
        REQUIRE(p != nullptr);
        CHECK(reinterpret_cast<uintptr_t>(p) % 16 == 0);
        auto* bytes = static_cast<unsigned char*>(p);
        for (size_t i = 0; i < size; i++)
            REQUIRE(bytes[i] == 0);
        std::memset(p, 0xa5, size); // the whole requested size is usable
        blocks.push_back(p);
        expected += size;
    }
    CHECK(kernel_meminfo.kmalloc_bytes == expected);
    CHECK(kernel_meminfo.kmalloc_objects == blocks.size());
    for (void* p : blocks)
        kfree(p);
    CHECK(kernel_meminfo.kmalloc_bytes == 0);
    CHECK(kernel_meminfo.kmalloc_objects == 0);
    CHECK(fake_pages_outstanding() == 0);
}

TEST_CASE("many small objects share pages, and pages go back when their last object does")
{
    std::vector<void*> blocks;
    for (int i = 0; i < 1000; i++)
        blocks.push_back(kmalloc(48)); // 64-byte class
    size_t pages = fake_pages_outstanding();
    CHECK(pages < 30); // ~60 objects per page
    // Free every other object: no page becomes empty.
    for (size_t i = 0; i < blocks.size(); i += 2)
        kfree(blocks[i]);
    CHECK(fake_pages_outstanding() == pages);
    // The holes are quarantined (32,000 bytes, under the bound): new objects take new pages.
    std::vector<void*> again;
    for (int i = 0; i < 500; i++)
        again.push_back(kmalloc(40));
    CHECK(fake_pages_outstanding() > pages);
    for (void* p : again)
        CHECK(std::find(blocks.begin(), blocks.end(), p) == blocks.end());
    for (size_t i = 1; i < blocks.size(); i += 2)
        kfree(blocks[i]);
    for (void* p : again)
        kfree(p);
    CHECK(fake_pages_outstanding() == 0);
    CHECK(kernel_meminfo.kmalloc_bytes == 0);
}

TEST_CASE("edge cases: zero, absurd sizes, kfree(nullptr), a foreign pointer")
{
    CHECK(kmalloc(0) == nullptr);
    CHECK(kmalloc(size_t(1) << 40) == nullptr);
    kfree(nullptr);
    CHECK(kernel_meminfo.kmalloc_bytes == 0);
}

namespace {

// Whether some line logged since `from` contains text.
bool logged_since(size_t from, const std::string& text)
{
    const auto& log = fake_printk_log();
    for (size_t i = from; i < log.size(); i++)
        if (log[i].find(text) != std::string::npos)
            return true;
    return false;
}

constexpr unsigned TAINT_BAD_PAGE_BIT = 1u << 5;

} // namespace

TEST_CASE("kfree of a pointer kmalloc did not return is an invalid-free: reported, refused, tainting B")
{
    fake_taints() = 0;
    alignas(4096) static unsigned char not_kmalloc[4096];
    size_t mark = fake_printk_log().size();
    kfree(not_kmalloc + 64);
    CHECK(logged_since(mark, "BUG: KASAN: invalid-free in "));
    CHECK(logged_since(mark, "Free of addr "));
    CHECK(fake_taints() == TAINT_BAD_PAGE_BIT);

    // Inside an object, misaligned, past the last object, inside a large run: all refused, and
    // the objects are still live and intact afterwards.
    auto* small = static_cast<unsigned char*>(kmalloc(100));
    auto* large = static_cast<unsigned char*>(kmalloc(10000));
    std::memset(small, 0x5a, 100);
    size_t bytes = kernel_meminfo.kmalloc_bytes;
    for (const void* bad : { static_cast<const void*>(small + 16), static_cast<const void*>(small + 1),
                             static_cast<const void*>(small - 8), static_cast<const void*>(large + 16),
                             static_cast<const void*>(large + 4096) }) {
        mark = fake_printk_log().size();
        kfree(bad);
        CHECK(logged_since(mark, "BUG: KASAN: invalid-free in "));
    }
    CHECK(kernel_meminfo.kmalloc_bytes == bytes);
    CHECK(kernel_meminfo.kmalloc_objects == 2);
    CHECK(small[99] == 0x5a);
    kfree(small);
    kfree(large);
    CHECK(kernel_meminfo.kmalloc_bytes == 0);
    CHECK(kernel_meminfo.kmalloc_objects == 0);
    CHECK(fake_pages_outstanding() == 0);
}

TEST_CASE("a double kfree is reported as a double-free and leaves the allocator sound")
{
    void* keep = kmalloc(40); // keeps the slab page alive, so the freed slot stays inspectable
    void* p = kmalloc(40);
    kfree(p);
    size_t mark = fake_printk_log().size();
    kfree(p);
    CHECK(logged_since(mark, "BUG: KASAN: double-free in "));
    CHECK(kernel_meminfo.kmalloc_objects == 1);
    // The slot is handed out once, not twice.
    void* a = kmalloc(40);
    void* b = kmalloc(40);
    CHECK(a != b);
    kfree(a);
    kfree(b);
    kfree(keep);
    CHECK(kernel_meminfo.kmalloc_objects == 0);
    CHECK(fake_pages_outstanding() == 0);
}

TEST_CASE("tracked allocations are charged to their owner until freed, and release reports the rest")
{
    kmalloc_owner owner {};
    void* a = kmalloc_track_caller(100, 0x1111, &owner);
    void* b = kmalloc_track_caller(20000, 0x2222, &owner);
    void* c = kmalloc_track_caller(976, 0x3333, &owner); // the largest tracked small size
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    CHECK(reinterpret_cast<uintptr_t>(a) % 16 == 0);
    CHECK(owner.count == 3);
    CHECK(owner.bytes == 100 + 20000 + 976);
    kfree(c);
    CHECK(owner.count == 2);
    CHECK(owner.bytes == 20100);

    struct seen_object {
        const void* object;
        size_t size;
        u64 caller;
    };
    std::vector<seen_object> seen;
    kmalloc_owner_release(
        &owner,
        [](void* context, const void* object, size_t size, u64 caller) {
            static_cast<std::vector<seen_object>*>(context)->push_back({ object, size, caller });
        },
        &seen);
    REQUIRE(seen.size() == 2);
    CHECK(owner.count == 0);
    CHECK(owner.objects == nullptr);
    bool found_a = false, found_b = false;
    for (const seen_object& s : seen) {
        found_a |= s.object == a && s.size == 100 && s.caller == 0x1111;
        found_b |= s.object == b && s.size == 20000 && s.caller == 0x2222;
    }
    CHECK(found_a);
    CHECK(found_b);
    // Released objects are still kmalloc's and free normally, charged to nobody.
    kfree(a);
    kfree(b);
    CHECK(owner.count == 0);
    CHECK(kernel_meminfo.kmalloc_bytes == 0);
    CHECK(fake_pages_outstanding() == 0);
}

TEST_CASE("KBuffer frees on scope exit")
{
    {
        KBuffer<char> buffer(300);
        REQUIRE(buffer);
        CHECK(kernel_meminfo.kmalloc_bytes == 300);
    }
    CHECK(kernel_meminfo.kmalloc_bytes == 0);
    CHECK(fake_pages_outstanding() == 0);
}

TEST_CASE("a freed slot waits in the quarantine: a double kfree after a new kmalloc is still a double-free")
{
    void* keep = kmalloc(40); // keeps the slab page alive
    void* p = kmalloc(40);
    kfree(p);
    void* q = kmalloc(40); // without the quarantine: p's slot again
    CHECK(q != p);
    size_t mark = fake_printk_log().size();
    CHECK_FALSE(kfree_track_caller(p, 0x1234));
    CHECK(logged_since(mark, "BUG: KASAN: double-free in "));
    CHECK(kernel_meminfo.kmalloc_objects == 2); // q and keep are untouched
    kfree(q);
    kfree(keep);
    CHECK(kernel_meminfo.kmalloc_objects == 0);
    CHECK(fake_pages_outstanding() == 0);
}

TEST_CASE("the quarantine is bounded: once 256 KiB of slots freed after it have queued, a slot is reused")
{
    // Pairs on the same pages: freeing one of each keeps every page alive, so the freed slots stay
    // in the quarantine (a page whose last object goes takes its slots out of it).
    std::vector<void*> kept, freed;
    for (int i = 0; i < 6000; i++) { // 6,000 slots of 64 bytes freed: 384,000 bytes > 256 KiB
        kept.push_back(kmalloc(40));
        freed.push_back(kmalloc(40));
    }
    for (void* p : freed)
        kfree(p);
    // The oldest are out of the quarantine and handed out again, oldest first.
    void* again = kmalloc(40);
    CHECK(std::find(freed.begin(), freed.begin() + 2000, again) != freed.begin() + 2000);
    kfree(again);
    for (void* p : kept)
        kfree(p);
    CHECK(kernel_meminfo.kmalloc_objects == 0);
    CHECK(kernel_meminfo.kmalloc_bytes == 0);
    CHECK(fake_pages_outstanding() == 0);
}
