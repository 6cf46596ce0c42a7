// kmalloc/kfree (guest-kernel/mm/slab.cpp) over the fake page allocator: sizes, zeroing,
// alignment, and the bookkeeping the host's meminfo relies on returning to its baseline.
#include "fake_page_alloc.h"

#include <catch2/catch.hpp>

#include <cstring>
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
    // Reuse the holes before taking new pages.
    std::vector<void*> again;
    for (int i = 0; i < 500; i++)
        again.push_back(kmalloc(40));
    CHECK(fake_pages_outstanding() == pages);
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
    alignas(4096) static unsigned char not_kmalloc[4096];
    CHECK_THROWS_WITH(kfree(not_kmalloc + 64), Catch::Contains("was not allocated by kmalloc"));
    CHECK(kernel_meminfo.kmalloc_bytes == 0);
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
