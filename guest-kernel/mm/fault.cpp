// Page faults that are not errors: the first touch of a demand-zero page, which gets a fresh zeroed
// page (Linux's handle_mm_fault -> do_anonymous_page). Every other fault is the trap handler's:
// an exception-table fixup, a segfault for a process, an oops for the kernel.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/extable.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/sched.h>

bool handle_page_fault(pt_regs* regs, u64 address)
{
    u64 error = regs->error_code;
    if (error & (X86_PF_PROT | X86_PF_RSVD))
        return false; // the page is there and the access is not allowed: a real fault
    task_struct* task = current();
    if (!task || address >= TASK_SIZE_MAX)
        return false;
    // The kernel touches user memory only through the uaccess helpers (copy_to_user ...), whose
    // instructions are in the exception table; any other kernel access there is a bug to report.
    if (!(error & X86_PF_USER) && !search_exception_tables(regs->rip))
        return false;
    const vm_area_struct* vma = task->zero_fill.find(address);
    if (!vma)
        return false;
    if ((error & X86_PF_WRITE) && !(vma->vm_page_prot.bits & _PAGE_RW))
        return false;
    if ((error & X86_PF_INSTR) && (vma->vm_page_prot.bits & _PAGE_NX))
        return false;
    auto mapped = map_user_page(task->pml4_phys, align_down(address, PAGE_SIZE), vma->vm_page_prot);
    if (mapped.is_error()) {
        pr_err("%s[%d]: no page for %#lx: %s\n", task->comm, task->pid, address, mapped.error().reason);
        return false; // the process gets the fault (SIGSEGV), as with no area at all
    }
    return true;
}
