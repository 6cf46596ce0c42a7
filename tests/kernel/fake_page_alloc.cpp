// A host stand-in for the kernel's page allocator, so mm/slab.cpp can be tested natively. "Physical" addresses are host addresses (page_offset_base = 0 makes __va/__pa the
// identity), and every page run is tracked so the tests can check that all were returned.
#include "fake_page_alloc.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>

#include <kernel/mm.h>

meminfo_counters kernel_meminfo;
u64 page_offset_base = 0;

namespace {
std::map<u64, size_t> g_runs; // address -> pages
}

size_t fake_pages_outstanding()
{
    size_t pages = 0;
    for (auto& [address, count] : g_runs)
        pages += count;
    return pages;
}

lkm::ErrorOr<u64> alloc_pages(size_t count, page_contents) // zeroed either way
{
    void* p = std::aligned_alloc(4096, count * 4096);
    if (!p)
        return lkm::Error::from_errno(LKM_ENOMEM, "fake alloc_pages");
    std::memset(p, 0, count * 4096);
    u64 address = reinterpret_cast<u64>(p);
    g_runs[address] = count;
    return address;
}

bool pfn_valid(u64) { return true; } // host memory: every pointer the tests pass is readable

void free_pages(u64 phys, size_t count)
{
    auto it = g_runs.find(phys);
    if (it == g_runs.end() || it->second != count)
        throw std::logic_error("free_pages of a run that was not allocated like that");
    g_runs.erase(it);
    std::free(reinterpret_cast<void*>(phys));
}
