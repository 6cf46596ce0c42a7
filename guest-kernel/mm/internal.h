// Shared between the files of mm/: the page-table walker.
#pragma once

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
