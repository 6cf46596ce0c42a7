// Executing a program (fs/exec.cpp, fs/binfmt_elf.cpp): a static ELF64 executable loaded into a
// fresh address space, with Linux's initial stack (argc, argv, envp, auxv).
#pragma once

#include <asm/ptrace.h>
#include <kernel/mm_types.h>
#include <kernel/types.h>
#include <loader/error_or.h>

constexpr u64 USER_STACK_TOP = 0x00007ffffffff000ull;
constexpr size_t USER_STACK_PAGES = 8; // 32 KiB, with an unmapped guard page below

// Map the ELF's PT_LOAD segments into the address space rooted at pml4_phys (text r-x, rodata
// r--, data rw- NX, all ring 3); whole .bss pages past the file's bytes go into zero_fill, to be
// mapped on first touch. Returns the entry point. ENOEXEC with a reason for a bad image.
lkm::ErrorOr<u64> load_elf_binary(u64 pml4_phys, const u8* image, size_t size, vm_areas& zero_fill);

// Replace the current task's (empty) address space with the program and fill regs so that
// returning to user mode starts it. argv and envp are nullptr-terminated; their strings and
// pointers must fit in the top stack page (E2BIG otherwise).
lkm::ErrorOr<void> kernel_execve(const char* const* argv, const char* const* envp, const u8* image, size_t size,
                                 pt_regs* regs);
