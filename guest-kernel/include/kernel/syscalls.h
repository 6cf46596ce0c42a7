// The system calls, declared from the contract's one list (abi/lkmemu/syscalls.h, Linux's x86-64
// numbers): each sys_* is defined where its subsystem lives, and arch/x86_64/kernel/syscall_64.cpp
// builds the dispatch table from the same list. User pointers arrive as u64 addresses and are only
// touched through asm/uaccess.h.
#pragma once

#include <lkmemu/syscalls.h>
#include <kernel/types.h>

#define SYSCALL_DECLARE(nr, name, parameters) long sys_##name parameters;
LKM_SYSCALL_LIST(SYSCALL_DECLARE)
#undef SYSCALL_DECLARE

// The dispatch table's size: one past the highest number in the list.
constexpr unsigned NR_syscalls = [] {
    unsigned count = 0;
#define SYSCALL_COUNT(nr, name, parameters) count = max(count, nr + 1u);
    LKM_SYSCALL_LIST(SYSCALL_COUNT)
#undef SYSCALL_COUNT
    return count;
}();

void syscall_init(); // EFER.SCE, STAR, LSTAR, SYSCALL_MASK
