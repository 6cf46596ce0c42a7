// Executing a program (fs/exec.cpp, fs/binfmt_elf.cpp): a static ELF64 executable loaded into a
// fresh address space, with Linux's initial stack (argc, argv, envp, auxv).
#pragma once

#include <asm/ptrace.h>
#include <kernel/mm_types.h>
#include <kernel/types.h>
#include <loader/error_or.h>

// The stack VMA exec sets up (Linux's setup_arg_pages expands it to 128 KiB); it grows down on
// fault up to RLIMIT_STACK.
constexpr u64 STACK_INITIAL_SIZE = 128 << 10;
// Linux's limits on exec's arguments: one string, and all of them with their pointers (a quarter
// of RLIMIT_STACK). E2BIG beyond.
constexpr u64 MAX_ARG_STRLEN = 32 * 4096;
constexpr u64 MAX_ARG_TOTAL = (8ull << 20) / 4;

// What the loader found, for the auxiliary vector and the mm's layout.
struct elf_load_info {
    u64 entry;
    u64 phdr_addr; // where the program headers are in memory (0 if no segment holds them)
    u64 phent, phnum;
    u64 start_code, end_code, start_data, end_data;
    u64 brk; // page-aligned end of the highest segment: where the heap starts
};

// Map the ELF's PT_LOAD segments as VMAs of mm (text r-x, rodata r--, data rw- NX, ring 3), their
// file bytes copied in now and the rest (.bss) demand-zero. ENOEXEC with a reason for a bad or
// hostile image (truncated, overlapping or absurd segments, an entry outside the text, a
// dynamically linked program); ENOMEM.
lkm::ErrorOr<elf_load_info> load_elf_binary(mm_struct* mm, const u8* image, size_t size);

// Replace the current task's address space with a new one holding the program, and fill regs so
// that returning to user mode starts it. argv and envp are nullptr-terminated kernel strings;
// E2BIG past Linux's limits. On failure the task keeps its old address space.
lkm::ErrorOr<void> kernel_execve(const char* const* argv, const char* const* envp, const u8* image, size_t size,
                                 pt_regs* regs);

// --- exec from the file system (fs/exec.cpp: execve, execveat) -----------------------------------

// How much of a file exec looks at to tell its format (Linux's BINPRM_BUF_SIZE).
constexpr size_t BINPRM_BUF_SIZE = 256;
// Nested interpreters allowed ("#!" naming a script ...); ELOOP beyond, as Linux.
constexpr int MAX_INTERP_DEPTH = 4;

// A "#!" line's interpreter and its optional argument (the rest of the line, trimmed), pointing
// into the buffer parsed.
struct script_interp {
    const char* name;
    size_t name_len;
    const char* arg;
    size_t arg_len; // 0: no argument
};
// fs/binfmt_script.cpp: false if buf does not start with "#!"; ENOEXEC for a "#!" line without
// an interpreter or one whose name does not fit in BINPRM_BUF_SIZE.
lkm::ErrorOr<bool> parse_script_header(const char* buf, size_t size, script_interp* out);
