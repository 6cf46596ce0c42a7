// panic (kernel/panic.cpp), the oops printer (kernel/dumpstack.cpp) and power-off.
#pragma once

#include <asm/ptrace.h>
#include <kernel/types.h>

// Log the message and power the machine off with LKMEMU_EXIT_PANIC (port 0xf4).
[[noreturn]] __attribute__((format(printf, 1, 2))) void panic(const char* fmt, ...);

// Print an oops for a kernel-mode exception: what happened, the registers, the backtrace.
void show_oops(const pt_regs* regs, unsigned vector, u64 cr2);
// The body of every oops (Linux's die): "STR: ERROR [#N]", the task, registers, backtrace and
// modules. show_oops calls it; so does the #DF handler with its own words.
void die(const char* str, const pt_regs* regs, unsigned vector, u64 error_code);
void show_regs(const pt_regs* regs);
// Print "Call Trace:" by walking frame pointers from rbp.
void show_trace(u64 rbp);
void dump_stack(); // the current call chain, e.g. for WARN-style diagnostics

// Taint the kernel (kernel/module/taint.cpp; Linux's add_taint, bits and letters of kernel/panic.c).
void add_kernel_taint(unsigned flag);
unsigned kernel_taint_mask(); // bit N: letter N of Linux's "PFSRMBUDAWCIOELKXTN" (/proc/sys/kernel/tainted)
constexpr unsigned TAINT_BAD_PAGE = 5; // 'B': kfree of a bad pointer, as KASAN taints
constexpr unsigned TAINT_WARN = 9;     // 'W': a warning, e.g. a module left something registered

// Power the machine off with a status (drivers/debug_exit.cpp); halts if no exit device exists.
[[noreturn]] void machine_power_off(u32 status);
