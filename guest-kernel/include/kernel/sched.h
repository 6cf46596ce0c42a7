// Tasks: the process minimum. One CPU and, for now, one user process (init), which owns an
// address space, a kernel stack, credentials and a file table.
#pragma once

#include <asm/percpu.h>
#include <asm/ptrace.h>
#include <kernel/types.h>
#include <kernel/mm_types.h>
#include <loader/error_or.h>

struct file;
struct vm_stack;

constexpr size_t THREAD_SIZE = 16384; // kernel stack per task (head_64.S's boot stack too)
constexpr size_t TASK_COMM_LEN = 16;
constexpr size_t NR_OPEN_DEFAULT = 16;

struct task_struct {
    int pid;
    char comm[TASK_COMM_LEN];
    u32 uid;  // real uid
    u32 euid; // effective uid: what permission checks use
    u32 suid; // saved uid
    u64 pml4_phys;          // the address space (user half private, kernel half shared)
    vm_areas zero_fill;     // where a first touch maps a fresh zeroed page (mm/fault.cpp)
    vm_stack* stack;        // THREAD_SIZE bytes in the stack area, a guard below (mm/vmap_stack.cpp)
    u64 kernel_stack_top;   // its end: the stack pointer a kernel entry from ring 3 starts at
    file* files[NR_OPEN_DEFAULT];
};

inline task_struct* current() { return cpu0_percpu.current; }

// Create the first user process from the embedded init ELF and enter it in ring 3.
[[noreturn]] void run_init_process();

// The current task ends with a wait(2)-style status ((code & 0xff) << 8 for exit(code), or the
// signal number for a kill). For init this is a panic, as on Linux.
[[noreturn]] void do_exit(long status);

constexpr int SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;

// Stack bounds for the unwinder: the stack containing sp (boot, task or IST), if any.
bool get_stack_bounds(u64 sp, u64* begin, u64* end);
// The stack (the current task's or an IST stack) whose guard space holds address, if any: the
// #DF handler's test for a stack overflow.
const vm_stack* stack_guard_page_hit(u64 address);
