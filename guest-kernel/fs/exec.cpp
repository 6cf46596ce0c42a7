// Starting a program: a fresh address space, the ELF loaded into it, a user stack laid out as the
// x86-64 System V ABI says (argc, argv[], NULL, envp[], NULL, auxv = AT_NULL), and a register
// frame that enters it in ring 3.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <kernel/binfmts.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/string.h>

namespace {

// The stack pages, mapped rw- NX below USER_STACK_TOP; the page under them stays unmapped so an
// overflow faults. Returns the physical address of the top page, where the arguments go.
lkm::ErrorOr<u64> setup_user_stack(u64 pml4_phys)
{
    u64 top_page = 0;
    for (size_t i = 1; i <= USER_STACK_PAGES; i++) {
        u64 phys = TRY(map_user_page(pml4_phys, USER_STACK_TOP - i * PAGE_SIZE, PAGE_USER_RW));
        if (i == 1)
            top_page = phys;
    }
    return top_page;
}

// Lay out the initial stack in the top stack page, as the System V ABI wants it at entry:
//   RSP -> argc, argv[0..argc-1], NULL, envp[0..], NULL, auxv (AT_NULL, 0), then the strings.
// Returns the initial user RSP (16-byte aligned).
lkm::ErrorOr<u64> write_initial_stack(u64 top_page_phys, const char* const* argv, const char* const* envp)
{
    u8* page = static_cast<u8*>(__va(top_page_phys));
    u64 page_va = USER_STACK_TOP - PAGE_SIZE;
    size_t argc = 0, envc = 0, strings = 0;
    for (; argv[argc]; argc++)
        strings += strlen(argv[argc]) + 1;
    for (; envp[envc]; envc++)
        strings += strlen(envp[envc]) + 1;
    size_t words = 1 + argc + 1 + envc + 1 + 2;
    if (strings + words * sizeof(u64) + 16 > PAGE_SIZE)
        return lkm::Error::from_errno(LKM_E2BIG, "exec: arguments and environment exceed one page");

    u64 string_offset = PAGE_SIZE - strings;
    u64 sp_offset = align_down(string_offset - words * sizeof(u64), 16);
    auto* slot = reinterpret_cast<u64*>(page + sp_offset);
    *slot++ = argc;
    auto put_strings = [&](const char* const* list, size_t count) {
        for (size_t i = 0; i < count; i++) {
            size_t length = strlen(list[i]) + 1;
            memcpy(page + string_offset, list[i], length);
            *slot++ = page_va + string_offset;
            string_offset += length;
        }
        *slot++ = 0;
    };
    put_strings(argv, argc);
    put_strings(envp, envc);
    *slot++ = 0; // AT_NULL
    *slot++ = 0;
    return page_va + sp_offset;
}

} // namespace

lkm::ErrorOr<void> kernel_execve(const char* const* argv, const char* const* envp, const u8* image, size_t size,
                                 pt_regs* regs)
{
    task_struct* task = current();
    u64 pml4 = TRY(pgd_alloc());
    // On any failure below, the half-built address space goes with all it maps.
    struct Guard {
        u64 pml4;
        ~Guard()
        {
            if (pml4)
                pgd_free(pml4);
        }
    } guard { pml4 };

    vm_areas zero_fill {};
    u64 entry = TRY(load_elf_binary(pml4, image, size, zero_fill));
    u64 top_page = TRY(setup_user_stack(pml4));
    u64 user_sp = TRY(write_initial_stack(top_page, argv, envp));

    guard.pml4 = 0;
    task->pml4_phys = pml4;
    task->zero_fill = zero_fill;
    write_cr3(pml4);

    memset(regs, 0, sizeof(*regs));
    regs->rip = entry;
    regs->cs = __USER_CS;
    regs->rflags = X86_EFLAGS_FIXED | X86_EFLAGS_IF; // user mode runs with interrupts on
    regs->rsp = user_sp;
    regs->ss = __USER_DS;
    return {};
}
