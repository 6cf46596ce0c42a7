/* Signals with Linux's x86-64 user ABI: the numbers, sigaction as rt_sigaction(2) takes it,
 * siginfo_t, stack_t, and the rt_sigframe a handler finds on its stack (struct ucontext with
 * struct sigcontext in Linux's order, then the siginfo). The kernel (kernel/signal.cpp,
 * arch/x86_64/kernel/signal.cpp) and init's tests (user/selftest_signals.cpp) both use these, so
 * each layout is written once; the static_asserts pin Linux's sizes and offsets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The signal numbers (asm/signal.h). 1..31 are the standard signals, which coalesce while
 * pending; 32..64 are the real-time ones, which queue. */
#define LKM_SIGHUP 1
#define LKM_SIGINT 2
#define LKM_SIGQUIT 3
#define LKM_SIGILL 4
#define LKM_SIGTRAP 5
#define LKM_SIGABRT 6
#define LKM_SIGBUS 7
#define LKM_SIGFPE 8
#define LKM_SIGKILL 9
#define LKM_SIGUSR1 10
#define LKM_SIGSEGV 11
#define LKM_SIGUSR2 12
#define LKM_SIGPIPE 13
#define LKM_SIGALRM 14
#define LKM_SIGTERM 15
#define LKM_SIGSTKFLT 16
#define LKM_SIGCHLD 17
#define LKM_SIGCONT 18
#define LKM_SIGSTOP 19
#define LKM_SIGTSTP 20
#define LKM_SIGTTIN 21
#define LKM_SIGTTOU 22
#define LKM_SIGURG 23
#define LKM_SIGXCPU 24
#define LKM_SIGXFSZ 25
#define LKM_SIGVTALRM 26
#define LKM_SIGPROF 27
#define LKM_SIGWINCH 28
#define LKM_SIGIO 29
#define LKM_SIGPWR 30
#define LKM_SIGSYS 31
#define LKM_SIGRTMIN 32
#define LKM_SIGRTMAX 64
#define LKM_NSIG 64 /* _NSIG: a sigset is one 64-bit word, bit (sig - 1) */

/* sa_handler's two special values. */
#define LKM_SIG_DFL 0
#define LKM_SIG_IGN 1

/* sa_flags */
#define LKM_SA_NOCLDSTOP 0x00000001u
#define LKM_SA_NOCLDWAIT 0x00000002u
#define LKM_SA_SIGINFO 0x00000004u
#define LKM_SA_UNSUPPORTED 0x00000400u
#define LKM_SA_EXPOSE_TAGBITS 0x00000800u
#define LKM_SA_RESTORER 0x04000000u
#define LKM_SA_ONSTACK 0x08000000u
#define LKM_SA_RESTART 0x10000000u
#define LKM_SA_NODEFER 0x40000000u
#define LKM_SA_RESETHAND 0x80000000u

/* rt_sigprocmask's how */
#define LKM_SIG_BLOCK 0
#define LKM_SIG_UNBLOCK 1
#define LKM_SIG_SETMASK 2

/* sigaltstack: ss_flags, and the smallest stack a handler may be given */
#define LKM_SS_ONSTACK 1
#define LKM_SS_DISABLE 2
#define LKM_SS_AUTODISARM (1u << 31)
#define LKM_MINSIGSTKSZ 2048

/* si_code: who sent it (<= 0: user space; SI_KERNEL: the kernel), or why a fault signal came. */
#define LKM_SI_USER 0
#define LKM_SI_KERNEL 0x80
#define LKM_SI_QUEUE (-1)
#define LKM_SI_TKILL (-6)
#define LKM_ILL_ILLOPN 2
#define LKM_FPE_INTDIV 1
#define LKM_FPE_FLTINV 7
#define LKM_SEGV_MAPERR 1
#define LKM_SEGV_ACCERR 2
#define LKM_BUS_ADRALN 1
#define LKM_TRAP_BRKPT 1
#define LKM_TRAP_TRACE 2

/* uc_flags */
#define LKM_UC_FP_XSTATE 0x1
#define LKM_UC_SIGCONTEXT_SS 0x2
#define LKM_UC_STRICT_RESTORE_SS 0x4

/* struct sigaction as the kernel's rt_sigaction(2) reads and writes it (not glibc's, whose mask
 * is 128 bytes): the handler, the flags, the restorer the handler returns to, the mask. */
struct lkm_sigaction {
    uint64_t sa_handler; /* SIG_DFL, SIG_IGN, or the handler's address */
    uint64_t sa_flags;
    uint64_t sa_restorer; /* calls rt_sigreturn; libc's __restore_rt */
    uint64_t sa_mask;
};

/* stack_t (sigaltstack(2), uc_stack) */
struct lkm_stack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t __pad;
    uint64_t ss_size;
};

/* siginfo_t: 128 bytes; the union starts at 16 (x86-64's alignment of its pointers). */
struct lkm_siginfo {
    int32_t si_signo;
    int32_t si_errno;
    int32_t si_code;
    int32_t __pad0;
    union {
        struct { /* kill, tkill, sigqueue, SIGCHLD */
            int32_t si_pid;
            uint32_t si_uid;
            union {
                uint64_t si_value; /* sigqueue's sigval */
                int32_t si_status; /* SIGCHLD */
            };
        };
        uint64_t si_addr; /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP: the faulting address */
        int32_t __pad[28];
    };
};

/* struct sigcontext (uapi asm/sigcontext.h, 64-bit): the registers in Linux's order. */
struct lkm_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* the FXSAVE image on the signal stack, or 0 */
    uint64_t reserved1[8];
};

struct lkm_ucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct lkm_stack uc_stack;
    struct lkm_sigcontext uc_mcontext;
    uint64_t uc_sigmask; /* the mask rt_sigreturn puts back */
};

/* What a handler finds at its RSP: the return address (sa_restorer), the ucontext, the siginfo.
 * The FXSAVE image (uc_mcontext.fpstate) lies above it, 64-byte aligned. */
struct lkm_rt_sigframe {
    uint64_t pretcode;
    struct lkm_ucontext uc;
    struct lkm_siginfo info;
};

#define LKM_FXSAVE_SIZE 512 /* the legacy FXSAVE area uc_mcontext.fpstate points at */

#ifdef __cplusplus
static_assert(sizeof(struct lkm_sigaction) == 32);
static_assert(sizeof(struct lkm_stack) == 24);
static_assert(sizeof(struct lkm_siginfo) == 128 && offsetof(struct lkm_siginfo, si_addr) == 16);
static_assert(sizeof(struct lkm_sigcontext) == 256 && offsetof(struct lkm_sigcontext, cs) == 144);
static_assert(offsetof(struct lkm_ucontext, uc_mcontext) == 40 && offsetof(struct lkm_ucontext, uc_sigmask) == 296);
static_assert(offsetof(struct lkm_rt_sigframe, info) == 312 && sizeof(struct lkm_rt_sigframe) == 440);
#endif
