// Address spaces (Linux's include/linux/mm_types.h). A process's mm_struct holds its page tables
// and its VMAs: the ranges of user addresses that are valid, each with its permissions and what
// backs it (anonymous memory that reads as zeros, or a private copy of a file's bytes). The VMAs
// are in a red-black tree by address, so find_vma is O(log n) and their number has no cap but
// memory. A page of a VMA exists only once touched (mm/memory.cpp, handle_mm_fault).
#pragma once

#include <asm/pgtable.h>
#include <kernel/rbtree.h>
#include <kernel/types.h>

struct file;
struct mm_struct;

// vm_flags, Linux's values. The VM_MAY* bits say what mprotect may later grant.
constexpr unsigned long VM_NONE = 0;
constexpr unsigned long VM_READ = 0x1;
constexpr unsigned long VM_WRITE = 0x2;
constexpr unsigned long VM_EXEC = 0x4;
constexpr unsigned long VM_SHARED = 0x8;
constexpr unsigned long VM_MAYREAD = 0x10;
constexpr unsigned long VM_MAYWRITE = 0x20;
constexpr unsigned long VM_MAYEXEC = 0x40;
constexpr unsigned long VM_MAYSHARE = 0x80;
constexpr unsigned long VM_GROWSDOWN = 0x100; // a stack: a fault just below it extends it
constexpr unsigned long VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
constexpr unsigned long VM_MAY_FLAGS = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

struct vm_area_struct {
    u64 vm_start; // page-aligned
    u64 vm_end;   // page-aligned, exclusive
    mm_struct* vm_mm;
    rb_node vm_rb; // in vm_mm->mm_rb, by address
    unsigned long vm_flags;
    pgprot_t vm_page_prot; // the PTE bits vm_flags give (vm_get_page_prot)
    file* vm_file;         // a private file mapping's file (a reference held), or nullptr
    u64 vm_pgoff;          // the file offset of vm_start, in pages
};

struct mm_struct {
    u64 pgd;        // the PML4's physical address: user half private, kernel half shared
    rb_root mm_rb;  // the VMAs, by address
    size_t map_count;
    u64 mmap_base;  // mmap without a hint searches top-down from here
    u64 start_code, end_code, start_data, end_data;
    u64 start_brk, brk; // the heap: [start_brk, brk), grown and shrunk by brk(2)
    u64 start_stack;    // the initial stack pointer's page
    u64 arg_start, arg_end, env_start, env_end;
    u64 total_vm;   // pages in VMAs
    u64 stack_vm;   // pages in VM_GROWSDOWN VMAs
    u64 rss_pages;  // pages mapped (a COW-shared page counts in every mm that maps it)
    int mm_users;   // tasks using it; the last mmput frees it
};
