// SYSCALL set-up and dispatch. entry_64.S saves the registers and calls do_syscall_64, which
// looks the number up in a table generated from the contract's LKM_SYSCALL_LIST
// (abi/lkmemu/syscalls.h). A number without an implementation is ENOSYS, as Linux's
// sys_ni_syscall, and is logged once per number with its Linux name (abi/lkmemu/linux_syscalls.h):
// a libc probing for a call (rseq, clone3 ...) says so in the log once, not at every start.
#include <lkmemu/errno.h>
#include <lkmemu/linux_syscalls.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <kernel/entry.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
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

// Linux's name of every x86-64 number, for the log line of one without an implementation.
struct linux_name_table {
    const char* names[LKM_LINUX_SYSCALL_END];
};

constexpr linux_name_table make_linux_name_table()
{
    linux_name_table table {};
#define LINUX_NAME(nr, name) table.names[nr] = #name;
    LKM_LINUX_SYSCALL_NAMES(LINUX_NAME)
#undef LINUX_NAME
    return table;
}

constexpr linux_name_table linux_syscall_names = make_linux_name_table();

constexpr bool same_name(const char* a, const char* b)
{
    if (!a || !b)
        return false;
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

// Not constexpr: reaching one while the table is built at compile time stops the build.
void syscall_number_listed_twice();
void syscall_not_named_as_linux_names_its_number();

constexpr syscall_table make_syscall_table()
{
    syscall_table table {};
#define SYSCALL_ENTRY(nr, name, parameters)                                                        \
    if (table.entries[nr])                                                                         \
        syscall_number_listed_twice();                                                             \
    if (nr >= LKM_LINUX_SYSCALL_END || !same_name(linux_syscall_names.names[nr], #name))           \
        syscall_not_named_as_linux_names_its_number();                                             \
    table.entries[nr] = &syscall_thunk<&sys_##name>;
    LKM_SYSCALL_LIST(SYSCALL_ENTRY)
#undef SYSCALL_ENTRY
    return table;
}

constexpr syscall_table sys_call_table = make_syscall_table();

// Which numbers have been logged: one bit per number below LOGGED_NUMBERS, one for all above
// (a number that large is garbage in RAX, not a call a libc probes; once is enough for those).
constexpr u64 LOGGED_NUMBERS = 1024;
u64 g_logged[LOGGED_NUMBERS / 64];
bool g_logged_beyond;

bool first_time(u64 nr)
{
    if (nr >= LOGGED_NUMBERS) {
        bool first = !g_logged_beyond;
        g_logged_beyond = true;
        return first;
    }
    u64 bit = 1ull << (nr % 64);
    bool first = !(g_logged[nr / 64] & bit);
    g_logged[nr / 64] |= bit;
    return first;
}

long sys_ni_syscall(u64 nr)
{
    if (first_time(nr)) {
        const char* name = nr < LKM_LINUX_SYSCALL_END ? linux_syscall_names.names[nr] : nullptr;
        const task_struct* task = current();
        pr_info("lkmemu: %s[%d]: unimplemented system call %lu (%s)%s\n", task->comm, task->pid, nr,
                name ? name : "unknown", nr >= LOGGED_NUMBERS ? ", numbers past 1023 are logged once" : "");
    }
    return -LKM_ENOSYS;
}

} // namespace

// Returns true when the return to user mode may use SYSRET, false for IRET.
extern "C" bool do_syscall_64(pt_regs* regs)
{
    u64 nr = regs->orig_ax;
    syscall_fn fn = nr < NR_syscalls ? sys_call_table.entries[nr] : nullptr;
    regs->rax = static_cast<u64>(fn ? fn(regs) : sys_ni_syscall(nr));
    exit_to_user_mode_prepare(regs);
    // SYSRET reloads RIP from RCX: it must be a canonical user address (a SYSCALL in the last
    // bytes of user space would leave a non-canonical one). It also loads RCX and R11 with RIP
    // and RFLAGS, so a return that must set them otherwise (rt_sigreturn) and one with TF or RF
    // leaves through IRET (Linux's syscall_64 checks).
    constexpr u64 X86_EFLAGS_RF = 1ull << 16;
    return regs->rip < TASK_SIZE_MAX && regs->cs == __USER_CS && regs->ss == __USER_DS && regs->rcx == regs->rip &&
           regs->r11 == regs->rflags && !(regs->rflags & (X86_EFLAGS_TF | X86_EFLAGS_RF));
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
