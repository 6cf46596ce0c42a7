// Changing the protection of mapped kernel pages (Linux's set_memory_ro/rw/x/nx). The module
// loader uses these to make a module's text r-x and its rodata r-- after relocating it.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <mm/internal.h>

namespace {

enum class Change { ReadOnly, ReadWrite, Exec, NoExec };

lkm::ErrorOr<void> change_page_attr(u64 addr, size_t numpages, Change change)
{
    if (addr & (PAGE_SIZE - 1))
        return lkm::Error::from_errno(LKM_EINVAL, "set_memory: address not page-aligned");
    // Check every page first so that a refused request changes nothing.
    for (size_t i = 0; i < numpages; i++) {
        u64* pte = TRY(walk_to_pte(kernel_pml4_phys(), addr + i * PAGE_SIZE, WalkMode::Split));
        if (!(*pte & _PAGE_PRESENT))
            return lkm::Error::from_errno(LKM_ENOENT, "set_memory: page not mapped");
        if (change == Change::Exec && (*pte & _PAGE_RW))
            return lkm::Error::from_errno(LKM_EINVAL, "set_memory_x: page is writable (W^X)");
        if (change == Change::ReadWrite && !(*pte & _PAGE_NX))
            return lkm::Error::from_errno(LKM_EINVAL, "set_memory_rw: page is executable (W^X)");
    }
    for (size_t i = 0; i < numpages; i++) {
        u64 va = addr + i * PAGE_SIZE;
        u64* pte = walk_to_pte(kernel_pml4_phys(), va, WalkMode::Split).release_value();
        switch (change) {
        case Change::ReadOnly: *pte &= ~_PAGE_RW; break;
        case Change::ReadWrite: *pte |= _PAGE_RW; break;
        case Change::Exec: *pte &= ~_PAGE_NX; break;
        case Change::NoExec: *pte |= _PAGE_NX; break;
        }
        invlpg(va);
    }
    return {};
}

} // namespace

lkm::ErrorOr<void> set_memory_ro(u64 addr, size_t numpages) { return change_page_attr(addr, numpages, Change::ReadOnly); }
lkm::ErrorOr<void> set_memory_rw(u64 addr, size_t numpages) { return change_page_attr(addr, numpages, Change::ReadWrite); }
lkm::ErrorOr<void> set_memory_x(u64 addr, size_t numpages) { return change_page_attr(addr, numpages, Change::Exec); }
lkm::ErrorOr<void> set_memory_nx(u64 addr, size_t numpages) { return change_page_attr(addr, numpages, Change::NoExec); }
