// Ending a task: exit(2), death by a fault, and the end of a kernel thread. A user task's
// resources go first (files, address space); then, as on Linux, the death of init is fatal for
// the whole system. A kernel thread is reaped at once (EXIT_DEAD: its parent does not wait for
// it, as kthreadd does not) and its last schedule() leaves it for good; finish_task_switch frees
// it on the next task's stack.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <kernel/fs.h>
#include <kernel/kthread.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

namespace {

[[noreturn]] void do_task_dead()
{
    local_irq_disable();
    current()->state = TASK_DEAD;
    schedule();
    panic("do_exit: a dead task ran again");
}

} // namespace

void do_exit(long status)
{
    task_struct* task = current();
    task->exit_code = static_cast<int>(status);
    if (task->flags & PF_KTHREAD) {
        task->exit_state = EXIT_DEAD;
        kthread_exited(task, status);
        do_task_dead();
    }
    close_files();
    // Leave the task's address space before freeing it.
    write_cr3(kernel_pml4_phys());
    mmput(task->mm);
    task->mm = nullptr;
    // There is one user task, init; with it gone nothing is left to run, which Linux treats as
    // fatal too. (The kernel stack is still in use here, so it is not freed.)
    panic("Attempted to kill init! exitcode=0x%08lx", status);
}

long sys_exit(int error_code) { do_exit((error_code & 0xff) << 8); }
