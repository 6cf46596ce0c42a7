// Ending a task: exit(2) and death by a fault. Resources go first (files, address space), then,
// as on Linux, the death of init is fatal for the whole system.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <kernel/fs.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/syscalls.h>

void do_exit(long status)
{
    task_struct* task = current();
    close_files();
    // Leave the task's address space before freeing it.
    write_cr3(kernel_pml4_phys());
    pgd_free(task->pml4_phys);
    task->pml4_phys = 0;
    // There is one user task, init; with it gone nothing is left to run, which Linux treats as
    // fatal too. (The kernel stack is still in use here, so it is not freed.)
    panic("Attempted to kill init! exitcode=0x%08lx", status);
}

long sys_exit(int error_code) { do_exit((error_code & 0xff) << 8); }
