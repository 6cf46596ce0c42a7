// Shared between the files of mm/: the page-table walker.
#pragma once

#include <kernel/mm_types.h>
#include <kernel/types.h>
#include <loader/error_or.h>

enum class WalkMode {
    Create, // allocate missing tables (mapping)
    Split,  // fail on a missing table, split a 2 MiB page on the way (changing a mapping)
};

unsigned pt_index(u64 va, int level); // level 4 = PML4 ... 1 = page table
// The 4 KiB PTE for va (never a large-page entry: those are split on the way).
lkm::ErrorOr<u64*> walk_to_pte(u64 pml4_phys, u64 va, WalkMode mode);
lkm::ErrorOr<void> split_large_page(u64* pmd, u64 va);
// A page table's entries, through the direct map.
u64* pt_entries(u64 table_phys);
// A system call's return value for an error: -errno.
inline long errno_of(const lkm::Error& error) { return -static_cast<long>(error.code); }
// Split the VMAs at start and end so that [start, end) is covered by whole VMAs, all of them
// contiguous from start (mprotect's and madvise's range). ENOMEM if a page of it is unmapped or
// a split fails. Returns the first.
lkm::ErrorOr<vm_area_struct*> vma_range_split(mm_struct* mm, u64 start, u64 end);
