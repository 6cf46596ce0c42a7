// Signal frames on x86-64 (Linux's arch/x86/kernel/signal.c and signal_64.c): the rt_sigframe a
// handler runs on, rt_sigreturn which takes it back with Linux's checks, and the system-call
// restart rules. The layouts are abi/lkmemu/signal.h's.
#include <lkmemu/errno.h>
#include <lkmemu/syscalls.h>
#include <asm/fpu.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/uaccess.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/string.h>
#include <kernel/syscalls.h>

namespace {

// The flags a frame may change on rt_sigreturn (Linux's FIX_EFLAGS): the arithmetic ones, DF,
// TF, AC and RF. IF, IOPL, NT, VM stay the kernel's choice.
constexpr u64 FIX_EFLAGS = (1ull << 0) /* CF */ | (1ull << 2) /* PF */ | (1ull << 4) /* AF */ |
                           (1ull << 6) /* ZF */ | (1ull << 7) /* SF */ | X86_EFLAGS_TF | X86_EFLAGS_DF |
                           (1ull << 11) /* OF */ | (1ull << 16) /* RF */ | X86_EFLAGS_AC;
constexpr u64 X86_EFLAGS_RF = 1ull << 16;
constexpr long NR_restart_syscall = 219; // Linux's number, for -ERESTART_RESTARTBLOCK

constexpr u64 RED_ZONE = 128; // the System V ABI's, below a leaf function's RSP

bool on_stack_area(const task_struct* t, u64 sp) { return sp > t->sas_ss_sp && sp - t->sas_ss_sp <= t->sas_ss_size; }

bool is_canonical(u64 address) { return static_cast<u64>(static_cast<s64>(address << 16) >> 16) == address; }

// Interrupts and exceptions store ~vector in orig_ax (entry_64.S): only a system call has >= 0.
bool in_syscall(const pt_regs* regs) { return static_cast<s64>(regs->orig_ax) >= 0; }

// Where the frame goes (Linux's get_sigframe): below the red zone, or at the top of the
// alternate stack for SA_ONSTACK; the FXSAVE image first (64-byte aligned), then the frame so
// that RSP + 8 is 16-byte aligned at the handler's entry, as after a call. 0: no room.
u64 get_sigframe(const ksignal* ksig, const pt_regs* regs, u64* fpstate)
{
    u64 sp = regs->rsp - RED_ZONE;
    bool nested_altstack = on_sig_stack(regs->rsp);
    bool entering_altstack = false;
    if ((ksig->ka.sa_flags & LKM_SA_ONSTACK) && sas_ss_flags(sp) == 0) {
        sp = current()->sas_ss_sp + current()->sas_ss_size;
        entering_altstack = true;
    }
    sp = align_down(sp - LKM_FXSAVE_SIZE, 64);
    *fpstate = sp;
    sp = align_down(sp - sizeof(lkm_rt_sigframe), 16) - 8;
    // A frame that would run off the alternate stack is not written (the task gets SIGSEGV).
    if ((nested_altstack || entering_altstack) && !on_stack_area(current(), sp))
        return 0;
    return sp;
}

u64 mxcsr_feature_mask()
{
    fpu probe;
    fpu_save(&probe);
    return probe.state.mxcsr_mask ? probe.state.mxcsr_mask : 0xffbf; // 0: the SDM's default
}

// The user's x87/SSE registers are live in the CPU (the kernel uses none; switches save them
// eagerly): FXSAVE them into the frame's image.
bool save_fpstate(u64 user_fpstate)
{
    fpu image;
    fpu_save(&image);
    memset(image.state.padding, 0, sizeof(image.state.padding)); // bytes FXSAVE leaves alone
    return copy_to_user(user_fpstate, &image.state, sizeof(image.state)) == 0;
}

// The handler starts with the initial FPU state (Linux's fpu__clear_user_states).
void clear_user_fpstate()
{
    fpu init;
    fpstate_init(&init);
    fpu_restore(&init);
}

// rt_sigreturn's FPU part: the image from the frame, with MXCSR's reserved bits cleared (they
// would make FXRSTOR fault in the kernel); no image: the initial state.
bool restore_fpstate(u64 user_fpstate)
{
    if (!user_fpstate) {
        clear_user_fpstate();
        return true;
    }
    fpu image;
    if (copy_from_user(&image.state, user_fpstate, sizeof(image.state)))
        return false;
    image.state.mxcsr &= static_cast<u32>(mxcsr_feature_mask());
    fpu_restore(&image);
    return true;
}

int setup_rt_frame(const ksignal* ksig, pt_regs* regs)
{
    task_struct* t = current();
    u64 fpstate;
    u64 frame_address = get_sigframe(ksig, regs, &fpstate);
    if (!frame_address)
        return -LKM_EFAULT;
    sigset_t mask = sigmask_to_save();

    lkm_rt_sigframe frame {};
    // Linux uses sa_restorer whether or not SA_RESTORER says it is there (glibc always sets it).
    frame.pretcode = ksig->ka.sa_restorer;
    frame.uc.uc_flags = LKM_UC_SIGCONTEXT_SS | LKM_UC_STRICT_RESTORE_SS;
    frame.uc.uc_stack.ss_sp = t->sas_ss_sp;
    frame.uc.uc_stack.ss_flags = static_cast<s32>(sas_ss_flags(regs->rsp) | (t->sas_ss_flags & LKM_SS_AUTODISARM));
    frame.uc.uc_stack.ss_size = t->sas_ss_size;
    lkm_sigcontext& sc = frame.uc.uc_mcontext;
    sc.r8 = regs->r8, sc.r9 = regs->r9, sc.r10 = regs->r10, sc.r11 = regs->r11;
    sc.r12 = regs->r12, sc.r13 = regs->r13, sc.r14 = regs->r14, sc.r15 = regs->r15;
    sc.rdi = regs->rdi, sc.rsi = regs->rsi, sc.rbp = regs->rbp, sc.rbx = regs->rbx;
    sc.rdx = regs->rdx, sc.rax = regs->rax, sc.rcx = regs->rcx, sc.rsp = regs->rsp;
    sc.rip = regs->rip, sc.eflags = regs->rflags;
    sc.cs = static_cast<u16>(regs->cs), sc.ss = static_cast<u16>(regs->ss);
    sc.err = t->error_code, sc.trapno = t->trap_nr, sc.cr2 = t->cr2;
    sc.oldmask = mask.sig;
    sc.fpstate = fpstate;
    frame.uc.uc_sigmask = mask.sig;
    if (ksig->ka.sa_flags & LKM_SA_SIGINFO)
        frame.info = ksig->info;
    if (!save_fpstate(fpstate) || copy_to_user(frame_address, &frame, sizeof(frame)))
        return -LKM_EFAULT;
    if (t->sas_ss_flags & LKM_SS_AUTODISARM) {
        // Saved in uc_stack; rt_sigreturn arms it again.
        t->sas_ss_sp = t->sas_ss_size = 0;
        t->sas_ss_flags = LKM_SS_DISABLE;
    }

    // The handler's entry: handler(sig, &info, &uc), returning to sa_restorer.
    regs->rdi = static_cast<u64>(ksig->sig);
    regs->rax = 0; // for handlers declared without a prototype (varargs)
    regs->rsi = frame_address + offsetof(lkm_rt_sigframe, info);
    regs->rdx = frame_address + offsetof(lkm_rt_sigframe, uc);
    regs->rip = ksig->ka.sa_handler;
    regs->rsp = frame_address;
    regs->cs = __USER_CS;
    regs->ss = __USER_DS;
    return 0;
}

// Deliver one signal to its handler (Linux's handle_signal): settle an interrupted system
// call first (EINTR, or restart by rewinding RIP over the 2-byte SYSCALL), then the frame.
void handle_signal(const ksignal* ksig, pt_regs* regs)
{
    if (in_syscall(regs)) {
        switch (-static_cast<s64>(regs->rax)) {
        case ERESTART_RESTARTBLOCK:
        case ERESTARTNOHAND:
            regs->rax = static_cast<u64>(-LKM_EINTR);
            break;
        case ERESTARTSYS:
            if (!(ksig->ka.sa_flags & LKM_SA_RESTART)) {
                regs->rax = static_cast<u64>(-LKM_EINTR);
                break;
            }
            [[fallthrough]];
        case ERESTARTNOINTR:
            regs->rax = regs->orig_ax;
            regs->rip -= 2;
            break;
        }
    }
    bool failed = setup_rt_frame(ksig, regs) < 0;
    if (!failed) {
        // The ABI's function entry (DF clear); no RF or TF carried into the handler.
        regs->rflags &= ~(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);
        clear_user_fpstate();
    }
    signal_setup_done(failed, ksig);
}

bool restore_sigcontext(pt_regs* regs, const lkm_sigcontext& sc)
{
    // What IRET would refuse (and fault on in the kernel) makes the frame bad instead.
    if (!is_canonical(sc.rip) || !is_canonical(sc.rsp))
        return false;
    regs->r8 = sc.r8, regs->r9 = sc.r9, regs->r10 = sc.r10, regs->r11 = sc.r11;
    regs->r12 = sc.r12, regs->r13 = sc.r13, regs->r14 = sc.r14, regs->r15 = sc.r15;
    regs->rdi = sc.rdi, regs->rsi = sc.rsi, regs->rbp = sc.rbp, regs->rbx = sc.rbx;
    regs->rdx = sc.rdx, regs->rax = sc.rax, regs->rcx = sc.rcx, regs->rsp = sc.rsp;
    regs->rip = sc.rip;
    regs->rflags = (regs->rflags & ~FIX_EFLAGS) | (sc.eflags & FIX_EFLAGS);
    // Back to ring 3 with the user selectors, whatever the frame says (Linux forces CPL 3).
    regs->cs = __USER_CS;
    regs->ss = __USER_DS;
    regs->orig_ax = static_cast<u64>(-1); // no system-call restart on this return
    return restore_fpstate(sc.fpstate);
}

} // namespace

long sys_rt_sigreturn()
{
    pt_regs* regs = current_pt_regs();
    // The handler's RET popped pretcode: the frame starts 8 bytes below RSP.
    u64 frame_address = regs->rsp - 8;
    lkm_rt_sigframe frame;
    if (copy_from_user(&frame, frame_address, sizeof(frame)))
        goto badframe;
    set_current_blocked({ frame.uc.uc_sigmask });
    if (!restore_sigcontext(regs, frame.uc.uc_mcontext))
        goto badframe;
    // The alternate stack as the frame had it; a bad one is ignored, as Linux's restore_altstack.
    (void)do_sigaltstack(&frame.uc.uc_stack, nullptr, regs->rsp);
    return static_cast<long>(regs->rax); // the syscall return writes RAX: keep the restored one

badframe:
    if (signal_msg_ratelimit())
        pr_info("%s[%d] bad frame in rt_sigreturn frame:%lx ip:%lx sp:%lx orax:%lx\n", current()->comm,
                current()->pid, frame_address, regs->rip, regs->rsp, regs->orig_ax);
    force_sig(SIGSEGV);
    return 0;
}

void arch_do_signal_or_restart(pt_regs* regs)
{
    ksignal ksig;
    if (get_signal(&ksig)) {
        handle_signal(&ksig, regs);
        return;
    }
    // No handler ran: a call that asked for it is restarted.
    if (in_syscall(regs)) {
        switch (-static_cast<s64>(regs->rax)) {
        case ERESTARTNOHAND:
        case ERESTARTSYS:
        case ERESTARTNOINTR:
            regs->rax = regs->orig_ax;
            regs->rip -= 2;
            break;
        case ERESTART_RESTARTBLOCK:
            regs->rax = NR_restart_syscall;
            regs->rip -= 2;
            break;
        }
    }
    restore_saved_sigmask();
}
