// The module subsystem (kernel/module/): what the rest of the kernel calls. init_module and
// delete_module themselves are system calls (include/kernel/syscalls.h).
#pragma once

#include <asm/ptrace.h>
#include <kernel/types.h>

struct module;
struct task_struct;
struct vm_stack;

// Boot: the module area's page tables, the export table with the kernel's exports, and from the
// command line the modules_disabled switch and the test hooks (module_veto=NAME,
// module.fail_stage=STAGE[:MODULE]).
void module_subsystem_init();

// The trap handler's hook, called after the oops of a kernel-mode fault: if the current task is
// init (pid 1) and runs a module call (init, exit, constructors), wherever the fault happened, or
// runs a catching module call (KUnit), rewrite regs so that the call returns -EFAULT to its caller
// and return true. False: the task dies, or the kernel panics (kernel/traps.cpp's oops_end).
// (kernel/module/module_call.cpp)
bool module_fault_recovery(pt_regs* regs);
// The task dies (make_task_dead): drop its module calls and free their stacks, which it no longer
// runs on. The modules stay as they were (COMING or GOING), as Linux leaves them.
void abandon_module_calls(task_struct* task);
// For the unwinder and the #DF handler: the stack of one of the current task's module calls that
// holds sp, or whose guard space holds address.
bool module_call_stack_bounds(u64 sp, u64* begin, u64* end);
const vm_stack* module_call_stack_guard_hit(u64 address);

// "sym+0xoff/0xsize [module]" for an address inside a module, as kallsyms does for the kernel;
// 0 if no module symbol covers it. backtrace: symbolize a return address by the call before it.
// (kernel/module/kallsyms.cpp)
size_t module_sprint_symbol(char* buf, size_t size, u64 address, bool backtrace);
// In a module's core or init region (kernel/module/tree_lookup.cpp: O(log modules)).
bool is_module_address(u64 address);

// For the oops: "Modules linked in: a(P) b" and the kernel's taint letters ("" when clean).
// (kernel/module/taint.cpp)
void print_modules();
const char* print_tainted();
// Taint the kernel with Linux's flag number (the module subsystem's own flags: module/internal.h).
void add_kernel_taint(unsigned flag);
constexpr unsigned TAINT_DIE = 7;         // 'D': an oops (kernel/traps.cpp)
constexpr unsigned TAINT_SOFTLOCKUP = 14; // 'L': kernel/watchdog.cpp

// The text of /proc/modules (kernel/module/procfs.cpp), as a proc_show_fn.
ssize_t proc_modules_show(char* buf, size_t size);
