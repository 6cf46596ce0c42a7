// SYSCALL set-up and dispatch. entry_64.S saves the registers and calls do_syscall_64, which
// looks the number up in a table generated from the contract's LKM_SYSCALL_LIST
// (abi/lkmemu/syscalls.h).
#include <lkmemu/errno.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <kernel/entry.h>
#include <kernel/syscalls.h>

extern "C" char entry_SYSCALL_64[];

namespace {

using syscall_fn = long (*)(const pt_regs*);

// Convert the raw 64-bit argument registers to the parameter types of the sys_* function.
template<typename T> T syscall_arg(u64 raw)
{
    if constexpr (__is_pointer(T))
        return reinterpret_cast<T>(raw);
    else
        return static_cast<T>(raw);
}

template<typename T, T... I> struct index_list {};

template<typename... Args, size_t... I>
long call_with_args(long (*fn)(Args...), const u64* args, index_list<size_t, I...>)
{
    return fn(syscall_arg<Args>(args[I])...);
}

template<auto Fn> long syscall_thunk(const pt_regs* regs)
{
    // The x86-64 syscall argument registers, in order (r10 replaces rcx, which SYSCALL clobbers).
    const u64 args[6] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8, regs->r9 };
    return [&]<typename... Args>(long (*fn)(Args...)) {
        static_assert(sizeof...(Args) <= 6);
        return call_with_args(fn, args, __make_integer_seq<index_list, size_t, sizeof...(Args)> {});
    }(Fn);
}

struct syscall_table {
    syscall_fn entries[NR_syscalls];
};

// Not constexpr: reaching it while the table is built at compile time stops the build.
void syscall_number_listed_twice();

constexpr syscall_table make_syscall_table()
{
    syscall_table table {};
#define SYSCALL_ENTRY(nr, name, parameters)                                                        \
    if (table.entries[nr])                                                                         \
        syscall_number_listed_twice();                                                             \
    table.entries[nr] = &syscall_thunk<&sys_##name>;
    LKM_SYSCALL_LIST(SYSCALL_ENTRY)
#undef SYSCALL_ENTRY
    return table;
}

constexpr syscall_table sys_call_table = make_syscall_table();

} // namespace

// Returns true when the return to user mode may use SYSRET, false for IRET.
extern "C" bool do_syscall_64(pt_regs* regs)
{
    u64 nr = regs->orig_ax;
    syscall_fn fn = nr < NR_syscalls ? sys_call_table.entries[nr] : nullptr;
    regs->rax = fn ? static_cast<u64>(fn(regs)) : static_cast<u64>(-LKM_ENOSYS);
    exit_to_user_mode_prepare(regs);
    // SYSRET reloads RIP from RCX: it must be a canonical user address (a SYSCALL in the last
    // bytes of user space would leave a non-canonical one).
    return regs->rip < TASK_SIZE_MAX && regs->cs == __USER_CS && regs->ss == __USER_DS;
}

void syscall_init()
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    // SYSCALL loads CS = STAR[47:32] (SS = +8); SYSRET loads CS = STAR[63:48] + 16, SS = +8.
    wrmsr(MSR_STAR, (static_cast<u64>(__USER32_CS & ~3u) << 48) | (static_cast<u64>(__KERNEL_CS) << 32));
    wrmsr(MSR_LSTAR, reinterpret_cast<u64>(entry_SYSCALL_64));
    wrmsr(MSR_CSTAR, 0);
    // Interrupts stay off in the kernel's syscall path; no single-step, direction or AC leaks in.
    wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_AC);
}

void cpu_init()
{
    write_cr0(X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG);
    write_cr4(X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}
