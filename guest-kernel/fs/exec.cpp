// Starting a program (Linux's fs/exec.c and binfmt_elf.c's create_elf_tables): a new address
// space, the ELF loaded into it, a stack VMA that grows down on demand, and the initial stack the
// x86-64 System V ABI describes: argc, argv[], NULL, envp[], NULL, the auxiliary vector, and
// above them the strings, AT_PLATFORM's name and AT_RANDOM's 16 bytes. Only once all of that is
// built does the task switch to the new mm (the old one is dropped), so a failed exec leaves the
// task as it was.
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <lkmemu/mman.h>
#include <kernel/binfmts.h>
#include <kernel/mm.h>
#include <kernel/random.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/string.h>

namespace {

// The auxiliary vector's types (Linux's include/uapi/linux/auxvec.h).
enum : u64 {
    AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
    AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
    AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_EXECFN = 31,
};
constexpr size_t AUXV_ENTRIES = 18; // with AT_NULL
constexpr char PLATFORM[] = "x86_64";
constexpr u64 USER_HZ = 100;

// CPUID.1:EDX, which x86 Linux reports as AT_HWCAP.
u64 elf_hwcap()
{
    u32 eax = 1, ebx, ecx = 0, edx;
    asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return edx;
}

size_t count_strings(const char* const* list, u64* bytes)
{
    size_t n = 0;
    for (; list[n]; n++)
        *bytes += strlen(list[n]) + 1;
    return n;
}

// Copy the strings of list downwards from *top (the first string lowest, as Linux lays them
// out), recording each one's user address in addresses.
lkm::ErrorOr<void> put_strings(mm_struct* mm, const char* const* list, size_t count, u64* top, u64* addresses)
{
    for (size_t i = count; i-- > 0;) {
        size_t length = strlen(list[i]) + 1;
        *top -= length;
        TRY(copy_to_mm(mm, *top, list[i], length));
        addresses[i] = *top;
    }
    return {};
}

// Linux's create_elf_tables: returns the initial RSP (16-byte aligned, at argc).
lkm::ErrorOr<u64> create_elf_tables(mm_struct* mm, const char* const* argv, const char* const* envp,
                                    const elf_load_info& info, const task_struct* task)
{
    u64 string_bytes = 0;
    size_t argc = count_strings(argv, &string_bytes);
    size_t envc = count_strings(envp, &string_bytes);
    for (size_t i = 0; i < argc + envc; i++) {
        const char* s = i < argc ? argv[i] : envp[i - argc];
        if (strlen(s) + 1 > MAX_ARG_STRLEN)
            return lkm::Error::from_errno(LKM_E2BIG, "exec: an argument is longer than MAX_ARG_STRLEN");
    }
    const char* execfn = argc ? argv[0] : "";
    u64 words = 1 + argc + 1 + envc + 1 + 2 * AUXV_ENTRIES;
    if (string_bytes + strlen(execfn) + 1 + words * sizeof(u64) > MAX_ARG_TOTAL)
        return lkm::Error::from_errno(LKM_E2BIG, "exec: arguments and environment beyond the limit");

    // The pointer tables are built in kernel memory, then copied below the strings at once.
    KBuffer<u64> table(words);
    if (!table.get())
        return lkm::Error::from_errno(LKM_ENOMEM, "exec: no memory for the argument table");
    u64* argv_at = table.get() + 1;
    u64* envp_at = argv_at + argc + 1;

    u64 top = STACK_TOP - sizeof(u64); // Linux leaves the top word empty
    top -= strlen(execfn) + 1;
    u64 execfn_at = top;
    TRY(copy_to_mm(mm, top, execfn, strlen(execfn) + 1));
    mm->env_end = top;
    TRY(put_strings(mm, envp, envc, &top, envp_at));
    mm->env_start = mm->arg_end = top;
    TRY(put_strings(mm, argv, argc, &top, argv_at));
    mm->arg_start = top;
    top -= sizeof(PLATFORM);
    u64 platform_at = top;
    TRY(copy_to_mm(mm, top, PLATFORM, sizeof(PLATFORM)));
    u8 random[16];
    get_random_bytes(random, sizeof(random));
    top = align_down(top - sizeof(random), 16);
    u64 random_at = top;
    TRY(copy_to_mm(mm, top, random, sizeof(random)));

    table.get()[0] = argc;
    argv_at[argc] = 0;
    envp_at[envc] = 0;
    u64* aux = envp_at + envc + 1;
    const u64 auxv[AUXV_ENTRIES][2] = {
        { AT_HWCAP, elf_hwcap() }, { AT_PAGESZ, PAGE_SIZE }, { AT_CLKTCK, USER_HZ },
        { AT_PHDR, info.phdr_addr }, { AT_PHENT, info.phent }, { AT_PHNUM, info.phnum },
        { AT_BASE, 0 }, { AT_FLAGS, 0 }, { AT_ENTRY, info.entry },
        { AT_UID, task->uid }, { AT_EUID, task->euid },
        { AT_GID, 0 }, { AT_EGID, 0 }, // no group ids in the task yet: root's
        { AT_SECURE, 0 }, { AT_RANDOM, random_at }, { AT_EXECFN, execfn_at }, { AT_PLATFORM, platform_at },
        { AT_NULL, 0 },
    };
    memcpy(aux, auxv, sizeof(auxv));
    u64 sp = align_down(top - words * sizeof(u64), 16);
    TRY(copy_to_mm(mm, sp, table.get(), words * sizeof(u64)));
    return sp;
}

// The mm is handed to the task only on success; a failure drops the half-built one.
struct mm_guard {
    mm_struct* mm;
    ~mm_guard()
    {
        if (mm)
            mmput(mm);
    }
};

} // namespace

lkm::ErrorOr<void> kernel_execve(const char* const* argv, const char* const* envp, const u8* image, size_t size,
                                 pt_regs* regs)
{
    task_struct* task = current();
    mm_guard guard { TRY(mm_alloc()) };
    mm_struct* mm = guard.mm;
    elf_load_info info = TRY(load_elf_binary(mm, image, size));
    TRY(do_mmap(mm, nullptr, STACK_TOP - STACK_INITIAL_SIZE, STACK_INITIAL_SIZE, LKM_PROT_READ | LKM_PROT_WRITE,
                LKM_MAP_PRIVATE | LKM_MAP_ANONYMOUS | LKM_MAP_FIXED_NOREPLACE | LKM_MAP_GROWSDOWN, 0, 0));
    u64 user_sp = TRY(create_elf_tables(mm, argv, envp, info, task));
    mm->start_code = info.start_code;
    mm->end_code = info.end_code;
    mm->start_data = info.start_data;
    mm->end_data = info.end_data;
    mm->start_brk = mm->brk = info.brk;
    mm->start_stack = user_sp;

    guard.mm = nullptr;
    mm_struct* old = task->mm;
    task->mm = mm;
    write_cr3(mm->pgd);
    if (old)
        mmput(old);

    memset(regs, 0, sizeof(*regs));
    regs->rip = info.entry;
    regs->cs = __USER_CS;
    regs->rflags = X86_EFLAGS_FIXED | X86_EFLAGS_IF; // user mode runs with interrupts on
    regs->rsp = user_sp;
    regs->ss = __USER_DS;
    return {};
}
