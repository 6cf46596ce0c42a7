// The page fault handler's memory half (Linux's arch/x86/mm/fault.c, do_user_addr_fault): a fault
// on a user address, from ring 3 or from a uaccess helper, is looked up in the task's VMAs. Inside
// one that allows the access, handle_mm_fault brings the page in (or copies a copy-on-write one);
// just below a stack, the stack grows. Everything else is the trap handler's: an exception-table
// fixup, a signal for a process, an oops for the kernel.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <kernel/extable.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/sched.h>

namespace {

// Linux's access_error: whether vma forbids this access.
bool access_error(u64 error, const vm_area_struct* vma)
{
    if (error & X86_PF_WRITE)
        return !(vma->vm_flags & VM_WRITE);
    if (error & X86_PF_INSTR)
        return !(vma->vm_flags & VM_EXEC);
    if (error & X86_PF_PROT)
        return true; // a read of a present page that faulted: nothing a VMA can fix
    return !(vma->vm_flags & VM_ACCESS_FLAGS);
}

} // namespace

vm_fault_t do_user_addr_fault(pt_regs* regs, u64 address)
{
    u64 error = regs->error_code;
    task_struct* task = current();
    mm_struct* mm = task ? task->mm : nullptr;
    if (!mm || address >= TASK_SIZE || (error & X86_PF_RSVD))
        return vm_fault_t::sigsegv;
    // The kernel touches user memory only through the uaccess helpers (copy_to_user ...), whose
    // instructions are in the exception table; any other kernel access there is a bug to report.
    if (!(error & X86_PF_USER) && !search_exception_tables(regs->rip))
        return vm_fault_t::sigsegv;
    vm_area_struct* vma = find_vma(mm, address);
    if (!vma)
        return vm_fault_t::sigsegv;
    if (vma->vm_start > address) {
        if (!(vma->vm_flags & VM_GROWSDOWN) || expand_stack(vma, address).is_error())
            return vm_fault_t::sigsegv;
    }
    if (access_error(error, vma))
        return vm_fault_t::sigsegv;
    vm_fault_t result = handle_mm_fault(vma, address, error & X86_PF_WRITE);
    if (result == vm_fault_t::oom)
        pr_err("%s[%d]: out of memory for a page at %#lx\n", task->comm, task->pid, address);
    return result;
}

bool handle_page_fault(pt_regs* regs, u64 address) { return do_user_addr_fault(regs, address) == vm_fault_t::done; }
