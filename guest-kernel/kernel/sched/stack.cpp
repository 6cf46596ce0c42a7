// Stack bookkeeping for the unwinder: which stacks exist (the boot stack, which is the idle
// task's, the current task's kernel stack and its module calls' stacks, the IST stacks).
#include <kernel/module.h>
#include <kernel/sched.h>
#include <kernel/vmap_stack.h>

extern "C" char init_stack[], init_stack_top[];
bool get_ist_stack_bounds(u64 sp, u64* begin, u64* end); // gdt.cpp
const vm_stack* ist_stack_guard_hit(u64 address);       // gdt.cpp

bool get_stack_bounds(u64 sp, u64* begin, u64* end)
{
    u64 boot_begin = reinterpret_cast<u64>(init_stack), boot_end = reinterpret_cast<u64>(init_stack_top);
    if (sp >= boot_begin && sp < boot_end) {
        *begin = boot_begin;
        *end = boot_end;
        return true;
    }
    if (task_struct* task = current()) {
        u64 top = task->kernel_stack_top;
        if (sp >= top - THREAD_SIZE && sp < top) {
            *begin = top - THREAD_SIZE;
            *end = top;
            return true;
        }
    }
    if (module_call_stack_bounds(sp, begin, end))
        return true;
    return get_ist_stack_bounds(sp, begin, end);
}

const vm_stack* stack_guard_page_hit(u64 address)
{
    if (task_struct* task = current(); task && task->stack && vmap_stack_guard_hit(task->stack, address))
        return task->stack;
    if (const vm_stack* stack = module_call_stack_guard_hit(address))
        return stack;
    return ist_stack_guard_hit(address);
}
