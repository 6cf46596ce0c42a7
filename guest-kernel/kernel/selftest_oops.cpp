// selftest=oops: an oops in a task other than init kills that task and the kernel goes on
// (kernel/traps.cpp's oops_end -> make_task_dead), and a module call runs on its own stack
// (kernel/module/module_call.cpp). Run by pid 1 before it becomes init; kernel threads do the
// faulting. Each check prints one line (tests/integration/oops_test.cpp asserts them); a failure
// panics with what went wrong.
#include "module/internal.h"

#include <lkmemu/errno.h>
#include <kernel/kthread.h>
#include <kernel/mm.h>
#include <kernel/module.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>
#include <kernel/signal.h>
#include <kernel/timer.h>

// Returns one frame too far, as a module whose relocations went wrong can: it pops its own return
// address and returns to what lies above it -- on a module call's stack, the zeroed pad, RIP 0.
extern "C" long selftest_stray_return();
asm(".pushsection .text\n"
    ".globl selftest_stray_return\n"
    ".type selftest_stray_return, @function\n"
    "selftest_stray_return:\n"
    "    popq %rax\n"
    "    ret\n"
    ".size selftest_stray_return, . - selftest_stray_return\n"
    ".popsection\n");

namespace {

struct mem_snapshot {
    u64 free_pages, kmalloc_bytes, kmalloc_objects;
    unsigned tasks;
    bool operator==(const mem_snapshot&) const = default;
};

mem_snapshot snapshot()
{
    return { kernel_meminfo.free_pages, kernel_meminfo.kmalloc_bytes, kernel_meminfo.kmalloc_objects, nr_tasks() };
}

[[gnu::noinline]] int null_dereference(void*)
{
    volatile u64* null = nullptr;
    return static_cast<int>(*null);
}

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winfinite-recursion" // by design: it runs off its stack
[[gnu::noinline]] long recurse(long depth)
{
    volatile char frame[512];
    frame[0] = static_cast<char>(depth);
    return recurse(depth + 1) + frame[0];
}
#pragma clang diagnostic pop
long overflow_stack() { return recurse(0); }

int module_call_thread(void* fn)
{
    bool faulted = false;
    auto ret = call_module_function(reinterpret_cast<u64>(fn), &faulted);
    panic("selftest: oops: a faulting module call returned to a kernel thread (%ld)",
          ret.is_error() ? -static_cast<long>(ret.error().code) : ret.value());
}

// A catching module call (KUnit's) comes back with -EFAULT in any task: the thread goes on.
int catching_thread(void* fn)
{
    bool faulted = false;
    auto ret = call_module_function_catching(reinterpret_cast<u64>(fn), &faulted);
    return !ret.is_error() && ret.value() == -LKM_EFAULT && faulted ? 0 : 1;
}

// Runs fn(arg) in a kernel thread and waits for its end, which must come with exit_code.
void expect_exit(int (*fn)(void*), void* arg, const char* name, int exit_code)
{
    auto created = kthread_create(fn, arg, name);
    if (created.is_error())
        panic("selftest: oops: cannot start %s: %s", name, created.error().reason);
    task_struct* task = created.value();
    get_task_struct(task);
    wake_up_process(task);
    for (int waited = 0; task->state != TASK_DEAD; waited++) {
        if (waited == 1000)
            panic("selftest: oops: %s did not die", name);
        msleep(1);
    }
    if (task->exit_code != exit_code)
        panic("selftest: oops: %s ended with %d, not %d", name, task->exit_code, exit_code);
    put_task_struct(task);
    msleep(1); // the CPU has left its stack: it is freed
}

// A kernel thread that must die of its oops, with SIGSEGV.
void expect_death(int (*fn)(void*), void* arg, const char* name) { expect_exit(fn, arg, name, SIGSEGV); }

} // namespace

void selftest_oops()
{
    // The stack area keeps the descriptors of the most stacks ever alive at once: a thread and
    // its module call's stack, made once before the baseline.
    expect_death(module_call_thread, reinterpret_cast<void*>(selftest_stray_return), "oops-warmup");
    mem_snapshot const baseline = snapshot();

    expect_death(null_dereference, nullptr, "oops-null");
    pr_info("selftest: oops: a kernel thread's NULL dereference killed it with SIGSEGV; tainted %s\n",
            print_tainted());

    expect_death(module_call_thread, reinterpret_cast<void*>(selftest_stray_return), "oops-modcall");
    pr_info("selftest: oops: a stray return in a module call killed its kernel thread, not the caller's frames\n");

    expect_death(module_call_thread, reinterpret_cast<void*>(overflow_stack), "oops-overflow");
    pr_info("selftest: oops: a module call's stack overflow killed its kernel thread\n");

    expect_exit(catching_thread, reinterpret_cast<void*>(selftest_stray_return), "oops-catching", 0);
    pr_info("selftest: oops: a catching module call's stray return came back as -EFAULT in a kernel thread\n");

    // Pid 1 is init-to-be: its module call is abandoned instead, the caller resumes.
    bool faulted = false;
    auto ret = call_module_function(reinterpret_cast<u64>(selftest_stray_return), &faulted);
    if (ret.is_error() || ret.value() != -LKM_EFAULT || !faulted)
        panic("selftest: oops: pid 1's faulting module call did not return -EFAULT");
    pr_info("selftest: oops: pid 1's stray return in a module call came back as -EFAULT\n");

    mem_snapshot const after = snapshot();
    if (!(after == baseline))
        panic("selftest: oops: memory not back: free pages %lu -> %lu, kmalloc %lu -> %lu bytes, tasks %u -> %u",
              baseline.free_pages, after.free_pages, baseline.kmalloc_bytes, after.kmalloc_bytes, baseline.tasks,
              after.tasks);
    pr_info("selftest: oops: the dead threads' stacks are freed, memory back to baseline\n");
}
