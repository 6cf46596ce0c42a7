// init_test=signals: signals checked through the real system calls from ring 3, before init
// starts serving. Each check writes one line to /dev/kmsg, "signals: NAME ok" or
// "signals: NAME FAILED (detail)", and tests/integration/signal_test.cpp asserts the lines.
// init has handlers for what it sends itself, so the kernel's protection of init (signals with
// the default action are not delivered to it) is tested too.
#include "init.h"
#include "selftest_log.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/signal.h>

extern "C" {
// Raw handlers: the restorer (libc's __restore_rt) and one that clobbers every register it may
// and records its entry RSP, so that only rt_sigreturn can bring the interrupted values back.
void selftest_restore_rt();
void selftest_clobber_handler(int);
uint64_t g_clobber_entry_rsp;
uint64_t g_clobber_runs;
}

asm(R"(
    .text
    .globl selftest_restore_rt
selftest_restore_rt:
    mov $15, %eax                   /* rt_sigreturn */
    syscall
    ud2

    .globl selftest_clobber_handler
selftest_clobber_handler:
    mov %rsp, g_clobber_entry_rsp(%rip)
    incq g_clobber_runs(%rip)
    mov $0xbad, %eax
    mov %rax, %rbx
    mov %rax, %rcx
    mov %rax, %rdx
    mov %rax, %rsi
    mov %rax, %rdi
    mov %rax, %rbp
    mov %rax, %r8
    mov %rax, %r9
    mov %rax, %r10
    mov %rax, %r11
    mov %rax, %r12
    mov %rax, %r13
    mov %rax, %r14
    mov %rax, %r15
    pcmpeqd %xmm0, %xmm0            /* all ones */
    pcmpeqd %xmm15, %xmm15
    clc
    ret
)");

namespace init {

namespace {

selftest_log* g_log; // while run_signals_selftest runs

// One check's line. detail and value say what was seen when it failed.
void check(const char* name, bool ok, const char* detail = "", long value = 0)
{
    g_log->check(name, ok, detail, value);
}

constexpr uint64_t bit(int sig) { return 1ull << (sig - 1); }

long getpid() { return sys::syscall(sys::NR_getpid); }
long kill(long pid, int sig) { return sys::syscall(sys::NR_kill, pid, sig); }

long sigaction(int sig, const lkm_sigaction* act, lkm_sigaction* old, long size = 8)
{
    return sys::syscall(sys::NR_rt_sigaction, sig, reinterpret_cast<long>(act), reinterpret_cast<long>(old), size);
}

long sigprocmask(int how, const uint64_t* set, uint64_t* old, long size = 8)
{
    return sys::syscall(sys::NR_rt_sigprocmask, how, reinterpret_cast<long>(set), reinterpret_cast<long>(old), size);
}

uint64_t blocked_now()
{
    uint64_t old = 0;
    sigprocmask(LKM_SIG_BLOCK, nullptr, &old);
    return old;
}

uint64_t pending_now()
{
    uint64_t set = 0;
    sys::syscall(sys::NR_rt_sigpending, reinterpret_cast<long>(&set), 8);
    return set;
}

long install(int sig, void (*handler)(int, lkm_siginfo*, void*), uint64_t flags, uint64_t mask = 0)
{
    lkm_sigaction act {};
    act.sa_handler = reinterpret_cast<uint64_t>(handler);
    act.sa_flags = flags | LKM_SA_RESTORER | LKM_SA_SIGINFO;
    act.sa_restorer = reinterpret_cast<uint64_t>(&selftest_restore_rt);
    act.sa_mask = mask;
    return sigaction(sig, &act, nullptr);
}

void set_default(int sig)
{
    lkm_sigaction act {};
    sigaction(sig, &act, nullptr);
}

// --- what the handlers saw ---

struct seen {
    int runs;
    int signo, code, pid;
    unsigned uid;
    uint64_t value, addr;
    uint64_t blocked;     // the mask while the handler ran
    uint64_t pending;     // rt_sigpending in the handler
    uint64_t stack_local; // an address on the handler's stack
    int altstack_flags;
    uint64_t trapno, err, cr2;
};
seen g_seen[LKM_NSIG + 1];
int g_order[8];
int g_order_count;

void record(int sig, lkm_siginfo* info, void* ucontext)
{
    seen& s = g_seen[sig];
    s.runs++;
    s.signo = info->si_signo;
    s.code = info->si_code;
    s.pid = info->si_pid;
    s.uid = info->si_uid;
    s.value = info->si_value;
    s.addr = info->si_addr;
    s.blocked = blocked_now();
    s.pending = pending_now();
    volatile int local = 0;
    s.stack_local = reinterpret_cast<uint64_t>(&local);
    lkm_stack st {};
    sys::syscall(sys::NR_sigaltstack, 0, reinterpret_cast<long>(&st));
    s.altstack_flags = st.ss_flags;
    auto* uc = static_cast<lkm_ucontext*>(ucontext);
    s.trapno = uc->uc_mcontext.trapno;
    s.err = uc->uc_mcontext.err;
    s.cr2 = uc->uc_mcontext.cr2;
    if (g_order_count < 8)
        g_order[g_order_count++] = sig;
}

void recording_handler(int sig, lkm_siginfo* info, void* uc) { record(sig, info, uc); }

// SIGUSR1's handler in the sa_mask check: sends SIGUSR2, which sa_mask holds until it returns.
void sending_handler(int sig, lkm_siginfo* info, void* uc)
{
    kill(getpid(), LKM_SIGUSR2);
    record(sig, info, uc);
}

// SIGSEGV's: records, then resumes after the faulting 3-byte load (mov (%rdx), %rax) with a
// marker in RAX.
void segv_handler(int sig, lkm_siginfo* info, void* ucontext)
{
    record(sig, info, ucontext);
    auto* uc = static_cast<lkm_ucontext*>(ucontext);
    uc->uc_mcontext.rip += 3;
    uc->uc_mcontext.rax = 0x5e9f;
}

void reset_seen()
{
    for (seen& s : g_seen)
        s = {};
    g_order_count = 0;
}

// --- the checks ---

void check_registers_survive()
{
    lkm_sigaction act {};
    act.sa_handler = reinterpret_cast<uint64_t>(&selftest_clobber_handler);
    act.sa_flags = LKM_SA_RESTORER;
    act.sa_restorer = reinterpret_cast<uint64_t>(&selftest_restore_rt);
    check("sigaction", sigaction(LKM_SIGUSR1, &act, nullptr) == 0);

    // Every general register gets a known value, SYSCALL kill(getpid(), SIGUSR1), and the
    // handler runs on its return and clobbers them all; after rt_sigreturn each must be back.
    struct {
        uint64_t pid;
        uint64_t xmm_in[2];
        uint64_t out[14]; // rax rbx rdx rsi rdi rbp r8 r9 r10 r12 r13 r14 r15, CF
        uint64_t xmm_out[2];
    } t = { static_cast<uint64_t>(getpid()), { 0x0123456789abcdefull, 0xfedcba9876543210ull }, {}, {} };
    static_assert(sizeof(t) == 8 * 19);
    uint64_t runs_before = g_clobber_runs;
    asm volatile("push %%rbp\n\t"
                 "push %%rbx\n\t" // &t
                 "movdqu 8(%%rbx), %%xmm0\n\t"
                 "movdqu 8(%%rbx), %%xmm15\n\t"
                 "mov 0(%%rbx), %%rdi\n\t"
                 "mov $62, %%eax\n\t" // kill
                 "mov $10, %%esi\n\t" // SIGUSR1
                 "mov $0x1111, %%ebx\n\t"
                 "mov $0x2222, %%edx\n\t"
                 "mov $0x3333, %%ebp\n\t"
                 "mov $0x8888, %%r8d\n\t"
                 "mov $0x9999, %%r9d\n\t"
                 "mov $0xaaaa, %%r10d\n\t"
                 "mov $0xcccc, %%r12d\n\t"
                 "mov $0xdddd, %%r13d\n\t"
                 "mov $0xeeee, %%r14d\n\t"
                 "mov $0xffff, %%r15d\n\t"
                 "stc\n\t"
                 "syscall\n\t"
                 "setc %%cl\n\t"
                 "movzbl %%cl, %%ecx\n\t"
                 "mov %%rcx, %%r11\n\t"
                 "pop %%rcx\n\t" // &t
                 "mov %%rax, 24(%%rcx)\n\t"
                 "mov %%rbx, 32(%%rcx)\n\t"
                 "mov %%rdx, 40(%%rcx)\n\t"
                 "mov %%rsi, 48(%%rcx)\n\t"
                 "mov %%rdi, 56(%%rcx)\n\t"
                 "mov %%rbp, 64(%%rcx)\n\t"
                 "mov %%r8, 72(%%rcx)\n\t"
                 "mov %%r9, 80(%%rcx)\n\t"
                 "mov %%r10, 88(%%rcx)\n\t"
                 "mov %%r12, 96(%%rcx)\n\t"
                 "mov %%r13, 104(%%rcx)\n\t"
                 "mov %%r14, 112(%%rcx)\n\t"
                 "mov %%r15, 120(%%rcx)\n\t"
                 "mov %%r11, 128(%%rcx)\n\t"
                 "movdqu %%xmm0, 136(%%rcx)\n\t"
                 "mov %%rcx, %%rbx\n\t"
                 "pop %%rbp"
                 :
                 : "b"(&t)
                 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                   "memory", "cc");
    uint64_t pid = t.pid;
    const uint64_t* out = t.out;
    check("handler runs after kill(getpid())", g_clobber_runs == runs_before + 1, "runs", static_cast<long>(g_clobber_runs - runs_before));
    const uint64_t expected[14] = { 0, 0x1111, 0x2222, 10, pid, 0x3333, 0x8888, 0x9999, 0xaaaa, 0xcccc, 0xdddd,
                                    0xeeee, 0xffff, 1 };
    int wrong = -1;
    for (int i = 0; i < 14; i++)
        if (out[i] != expected[i] && wrong < 0)
            wrong = i;
    check("every register survives rt_sigreturn", wrong < 0, "register slot", wrong);
    check("SSE registers survive rt_sigreturn", t.xmm_out[0] == t.xmm_in[0] && t.xmm_out[1] == t.xmm_in[1]);
    check("handler entry RSP+8 is 16-byte aligned", (g_clobber_entry_rsp + 8) % 16 == 0, "rsp mod 16",
          static_cast<long>(g_clobber_entry_rsp % 16));
}

void check_blocked_pending()
{
    reset_seen();
    install(LKM_SIGUSR2, recording_handler, 0);
    uint64_t set = bit(LKM_SIGUSR2);
    sigprocmask(LKM_SIG_BLOCK, &set, nullptr);
    kill(getpid(), LKM_SIGUSR2);
    check("blocked signal is not delivered", g_seen[LKM_SIGUSR2].runs == 0);
    check("rt_sigpending shows the blocked signal", pending_now() == bit(LKM_SIGUSR2), "pending",
          static_cast<long>(pending_now()));
    kill(getpid(), LKM_SIGUSR2); // a standard signal coalesces
    sigprocmask(LKM_SIG_UNBLOCK, &set, nullptr);
    check("unblocking delivers it once", g_seen[LKM_SIGUSR2].runs == 1 && pending_now() == 0, "runs",
          g_seen[LKM_SIGUSR2].runs);
}

void check_siginfo()
{
    reset_seen();
    install(LKM_SIGUSR1, recording_handler, 0);
    kill(getpid(), LKM_SIGUSR1);
    const seen& s = g_seen[LKM_SIGUSR1];
    check("SA_SIGINFO: si_signo, si_code SI_USER, si_pid, si_uid",
          s.runs == 1 && s.signo == LKM_SIGUSR1 && s.code == LKM_SI_USER && s.pid == getpid() &&
              s.uid == static_cast<unsigned>(sys::getuid()),
          "si_code", s.code);
    sys::syscall(sys::NR_tgkill, getpid(), getpid(), LKM_SIGUSR1);
    check("tgkill: si_code SI_TKILL", s.runs == 2 && s.code == LKM_SI_TKILL, "si_code", s.code);

    // Real-time signals queue, each with its own value, and come in order.
    install(LKM_SIGRTMIN, recording_handler, 0);
    uint64_t set = bit(LKM_SIGRTMIN);
    sigprocmask(LKM_SIG_BLOCK, &set, nullptr);
    lkm_siginfo info {};
    info.si_code = LKM_SI_QUEUE;
    info.si_pid = static_cast<int32_t>(getpid());
    for (uint64_t v = 1; v <= 3; v++) {
        info.si_value = v;
        sys::syscall(sys::NR_rt_sigqueueinfo, getpid(), LKM_SIGRTMIN, reinterpret_cast<long>(&info));
    }
    uint64_t seen_values = 0;
    const seen& rt = g_seen[LKM_SIGRTMIN];
    sigprocmask(LKM_SIG_UNBLOCK, &set, nullptr);
    seen_values = rt.value;
    check("real-time signals queue: three sent, three delivered", rt.runs == 3 && seen_values == 3 && rt.code == LKM_SI_QUEUE,
          "runs", rt.runs);
    set_default(LKM_SIGRTMIN);
}

void check_resethand()
{
    reset_seen();
    install(LKM_SIGUSR1, recording_handler, LKM_SA_RESETHAND);
    kill(getpid(), LKM_SIGUSR1);
    lkm_sigaction old {};
    sigaction(LKM_SIGUSR1, nullptr, &old);
    check("SA_RESETHAND: handler once, then SIG_DFL", g_seen[LKM_SIGUSR1].runs == 1 && old.sa_handler == LKM_SIG_DFL,
          "handler", static_cast<long>(old.sa_handler));
    // SIG_DFL of SIGUSR1 would terminate; init is protected from that (SIGNAL_UNKILLABLE).
    check("init ignores a default-action signal from user space", kill(getpid(), LKM_SIGUSR1) == 0 && pending_now() == 0);
}

void check_sa_mask()
{
    reset_seen();
    install(LKM_SIGUSR2, recording_handler, 0);
    install(LKM_SIGUSR1, sending_handler, 0, bit(LKM_SIGUSR2));
    kill(getpid(), LKM_SIGUSR1);
    const seen& s = g_seen[LKM_SIGUSR1];
    check("during the handler: the signal and sa_mask are blocked",
          s.runs == 1 && (s.blocked & bit(LKM_SIGUSR1)) && (s.blocked & bit(LKM_SIGUSR2)), "blocked",
          static_cast<long>(s.blocked));
    check("sa_mask holds SIGUSR2 pending until the handler returns",
          (s.pending & bit(LKM_SIGUSR2)) && g_seen[LKM_SIGUSR2].runs == 1 && g_order_count == 2 &&
              g_order[0] == LKM_SIGUSR1 && g_order[1] == LKM_SIGUSR2,
          "order count", g_order_count);
    check("the mask is back after rt_sigreturn", blocked_now() == 0, "blocked", static_cast<long>(blocked_now()));
}

void check_segv()
{
    reset_seen();
    install(LKM_SIGSEGV, segv_handler, 0);
    constexpr uint64_t BAD = 0x10; // nothing is mapped at the bottom of user space
    uint64_t result;
    asm volatile("mov %[bad], %%rdx\n\t"
                 "mov (%%rdx), %%rax\n\t" // 3 bytes: 48 8b 02
                 "mov %%rax, %[result]"
                 : [result] "=r"(result)
                 : [bad] "i"(BAD)
                 : "rax", "rdx", "memory");
    const seen& s = g_seen[LKM_SIGSEGV];
    check("SIGSEGV handler: si_addr and SEGV_MAPERR", s.runs == 1 && s.addr == BAD && s.code == LKM_SEGV_MAPERR,
          "si_code", s.code);
    check("SIGSEGV sigcontext: trapno 14, user read error, cr2", s.trapno == 14 && s.err == 4 && s.cr2 == BAD, "err",
          static_cast<long>(s.err));
    check("handler skips the load through uc_mcontext.rip", result == 0x5e9f);
    set_default(LKM_SIGSEGV);
}

alignas(16) unsigned char g_altstack[16384];

void check_altstack()
{
    reset_seen();
    lkm_stack ss {};
    ss.ss_sp = reinterpret_cast<uint64_t>(g_altstack);
    ss.ss_size = sizeof(g_altstack);
    check("sigaltstack", sys::syscall(sys::NR_sigaltstack, reinterpret_cast<long>(&ss), 0) == 0);
    install(LKM_SIGUSR1, recording_handler, LKM_SA_ONSTACK);
    kill(getpid(), LKM_SIGUSR1);
    const seen& s = g_seen[LKM_SIGUSR1];
    uint64_t base = reinterpret_cast<uint64_t>(g_altstack);
    check("SA_ONSTACK handler runs on the alternate stack",
          s.runs == 1 && s.stack_local >= base && s.stack_local < base + sizeof(g_altstack) &&
              s.altstack_flags == LKM_SS_ONSTACK,
          "ss_flags", s.altstack_flags);
    lkm_stack old {};
    sys::syscall(sys::NR_sigaltstack, 0, reinterpret_cast<long>(&old));
    check("off the alternate stack after rt_sigreturn", old.ss_flags == 0 && old.ss_sp == base);
    ss = {};
    ss.ss_flags = LKM_SS_DISABLE;
    sys::syscall(sys::NR_sigaltstack, reinterpret_cast<long>(&ss), 0);
    ss.ss_flags = 0;
    ss.ss_sp = base;
    ss.ss_size = 100;
    check("sigaltstack below MINSIGSTKSZ is ENOMEM",
          sys::syscall(sys::NR_sigaltstack, reinterpret_cast<long>(&ss), 0) == -LKM_ENOMEM);
}

void check_sigsuspend()
{
    reset_seen();
    install(LKM_SIGUSR1, recording_handler, 0);
    uint64_t set = bit(LKM_SIGUSR1), none = 0;
    sigprocmask(LKM_SIG_BLOCK, &set, nullptr);
    kill(getpid(), LKM_SIGUSR1);
    long result = sys::syscall(sys::NR_rt_sigsuspend, reinterpret_cast<long>(&none), 8);
    check("rt_sigsuspend: the handler runs, EINTR, the old mask is back",
          result == -LKM_EINTR && g_seen[LKM_SIGUSR1].runs == 1 && blocked_now() == set, "result", result);
    sigprocmask(LKM_SIG_SETMASK, &none, nullptr);
}

void check_errors()
{
    lkm_sigaction act {};
    act.sa_handler = reinterpret_cast<uint64_t>(&selftest_clobber_handler);
    act.sa_flags = LKM_SA_RESTORER;
    act.sa_restorer = reinterpret_cast<uint64_t>(&selftest_restore_rt);
    check("rt_sigaction(SIGKILL) is EINVAL", sigaction(LKM_SIGKILL, &act, nullptr) == -LKM_EINVAL);
    check("rt_sigaction(SIGSTOP) is EINVAL", sigaction(LKM_SIGSTOP, &act, nullptr) == -LKM_EINVAL);
    check("rt_sigaction with sigsetsize 16 is EINVAL", sigaction(LKM_SIGUSR1, &act, nullptr, 16) == -LKM_EINVAL);
    check("rt_sigaction with a bad act pointer is EFAULT",
          sigaction(LKM_SIGUSR1, reinterpret_cast<const lkm_sigaction*>(0x10), nullptr) == -LKM_EFAULT);
    check("rt_sigaction with a bad oldact pointer is EFAULT",
          sigaction(LKM_SIGUSR1, nullptr, reinterpret_cast<lkm_sigaction*>(0x10)) == -LKM_EFAULT);
    check("rt_sigaction(65) is EINVAL", sigaction(65, &act, nullptr) == -LKM_EINVAL);
    uint64_t set = 0;
    check("rt_sigprocmask with a bad how is EINVAL", sigprocmask(7, &set, nullptr) == -LKM_EINVAL);
    check("kill with signal 65 is EINVAL", kill(getpid(), 65) == -LKM_EINVAL);
    check("kill of a pid that does not exist is ESRCH", kill(99999, 0) == -LKM_ESRCH);
    check("kill(getpid(), 0) is 0", kill(getpid(), 0) == 0);
    check("tkill(0) is EINVAL", sys::syscall(sys::NR_tkill, 0, LKM_SIGUSR1) == -LKM_EINVAL);
    check("tgkill with the wrong thread group is ESRCH",
          sys::syscall(sys::NR_tgkill, 99999, getpid(), 0) == -LKM_ESRCH);
    set_default(LKM_SIGUSR1);
    set_default(LKM_SIGUSR2);
}

} // namespace

void run_signals_selftest()
{
    selftest_log log("signals");
    g_log = &log;
    log.say("selftest start");
    check_registers_survive();
    check_blocked_pending();
    check_siginfo();
    check_resethand();
    check_sa_mask();
    check_segv();
    check_altstack();
    check_sigsuspend();
    check_errors();
    log.done();
    g_log = nullptr;
}

void signals_unhandled_segv()
{
    asm volatile("mov (%0), %%rax" : : "r"(uint64_t { 0x10 }) : "rax", "memory");
}

} // namespace init
