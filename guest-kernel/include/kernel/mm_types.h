// A process's demand-zero memory: ranges of its address space that are valid but not yet backed
// by pages. The first access to a page in one (a not-present page fault) maps a fresh zeroed page
// there (mm/fault.cpp), as Linux maps a program's .bss and anonymous memory. A small fixed list:
// a static executable has one such range per writable segment.
#pragma once

#include <asm/pgtable.h>
#include <kernel/types.h>
#include <loader/error_or.h>

struct vm_area_struct {
    u64 vm_start; // page-aligned
    u64 vm_end;   // page-aligned, exclusive
    pgprot_t vm_page_prot;
};

struct vm_areas {
    static constexpr size_t MAX = 4;
    vm_area_struct areas[MAX];
    size_t count;

    lkm::ErrorOr<void> add(u64 start, u64 end, pgprot_t prot)
    {
        if (count == MAX)
            return lkm::Error::from_errno(LKM_ENOMEM, "too many demand-zero areas");
        areas[count++] = { start, end, prot };
        return {};
    }

    // The area containing address, or nullptr (Linux's find_vma, for an exact hit).
    const vm_area_struct* find(u64 address) const
    {
        for (size_t i = 0; i < count; i++) {
            if (address >= areas[i].vm_start && address < areas[i].vm_end)
                return &areas[i];
        }
        return nullptr;
    }
};
