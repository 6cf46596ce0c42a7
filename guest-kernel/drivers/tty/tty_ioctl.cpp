// The terminal's ioctls (Linux's drivers/tty/tty_ioctl.c and tty_io.c's tty_ioctl): termios
// (TCGETS, TCSETS, TCSETSW, TCSETSF), the window size, FIONREAD, TCFLSH, TCXONC, TCSBRK and
// TIOCOUTQ; the job-control ones are tty_jobctrl.cpp's. Output is written synchronously, so
// "drain" (TCSETSW, tcdrain's TCSBRK) has nothing to wait for and TIOCOUTQ is always 0.
#include "drivers/tty/tty.h"
#include "drivers/tty/tty_ioctl.h"

#include <lkmemu/errno.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/fs.h>
#include <kernel/jobctl.h>
#include <kernel/signal.h>

namespace {

long set_termios(tty_struct* tty, unsigned cmd, u64 arg)
{
    if (long error = tty_check_change(tty, SIGTTOU))
        return error;
    lkm_termios termios;
    if (copy_from_user(&termios, arg, sizeof(termios)))
        return -LKM_EFAULT;
    IrqSaveGuard irqs_off;
    if (cmd == LKM_TCSETSF)
        n_tty_flush_input(&tty->ldisc);
    lkm_termios old = tty->termios;
    tty->termios = termios;
    n_tty_set_termios(&tty->ldisc, &old);
    // IXON turned off releases a ^S; readers re-check (ICANON, VMIN may have changed).
    if (!(termios.c_iflag & LKM_IXON) && tty->output_stopped)
        tty_set_output_stopped(tty, false);
    wake_up_all(&tty->read_wait);
    return 0;
}

// TIOCSWINSZ: a new size tells the foreground group with SIGWINCH (Linux's tty_do_resize).
long set_winsize(tty_struct* tty, u64 arg)
{
    lkm_winsize ws;
    if (copy_from_user(&ws, arg, sizeof(ws)))
        return -LKM_EFAULT;
    bool changed = ws.ws_row != tty->winsize.ws_row || ws.ws_col != tty->winsize.ws_col ||
                   ws.ws_xpixel != tty->winsize.ws_xpixel || ws.ws_ypixel != tty->winsize.ws_ypixel;
    tty->winsize = ws;
    if (changed && tty->pgrp) {
        lkm_siginfo info {};
        info.si_signo = SIGWINCH;
        info.si_code = LKM_SI_KERNEL;
        kill_pgrp_info(SIGWINCH, &info, tty->pgrp);
    }
    return 0;
}

long flush(tty_struct* tty, u64 arg)
{
    if (long error = tty_check_change(tty, SIGTTOU))
        return error;
    switch (arg) {
    case LKM_TCIFLUSH:
    case LKM_TCIOFLUSH: {
        IrqSaveGuard irqs_off;
        n_tty_flush_input(&tty->ldisc);
        return 0;
    }
    case LKM_TCOFLUSH:
        return 0; // nothing waits to be sent
    default:
        return -LKM_EINVAL;
    }
}

// TCXONC: suspend or restart output, or send the STOP / START character to the other end.
long flow_control(tty_struct* tty, u64 arg)
{
    if (long error = tty_check_change(tty, SIGTTOU))
        return error;
    switch (arg) {
    case LKM_TCOOFF:
        tty_set_output_stopped(tty, true);
        return 0;
    case LKM_TCOON:
        tty_set_output_stopped(tty, false);
        return 0;
    case LKM_TCIOFF:
    case LKM_TCION: {
        u8 c = tty->termios.c_cc[arg == LKM_TCIOFF ? LKM_VSTOP : LKM_VSTART];
        if (c)
            tty->driver->write(reinterpret_cast<const char*>(&c), 1);
        return 0;
    }
    default:
        return -LKM_EINVAL;
    }
}

long put_int(u64 arg, int value) { return copy_to_user(arg, &value, sizeof(value)) ? -LKM_EFAULT : 0; }

} // namespace

long tty_ioctl(file* f, unsigned cmd, u64 arg)
{
    tty_struct* tty = file_tty(f);
    switch (cmd) {
    case LKM_TCGETS:
        return copy_to_user(arg, &tty->termios, sizeof(tty->termios)) ? -LKM_EFAULT : 0;
    case LKM_TCSETS:
    case LKM_TCSETSW:
    case LKM_TCSETSF:
        return set_termios(tty, cmd, arg);
    case LKM_TIOCGWINSZ:
        return copy_to_user(arg, &tty->winsize, sizeof(tty->winsize)) ? -LKM_EFAULT : 0;
    case LKM_TIOCSWINSZ:
        return set_winsize(tty, arg);
    case LKM_FIONREAD: {
        size_t n;
        {
            IrqSaveGuard irqs_off;
            n = n_tty_chars_in_buffer(&tty->ldisc);
        }
        return put_int(arg, static_cast<int>(n));
    }
    case LKM_TIOCOUTQ:
        return put_int(arg, 0);
    case LKM_TCFLSH:
        return flush(tty, arg);
    case LKM_TCXONC:
        return flow_control(tty, arg);
    case LKM_TCSBRK:
    case LKM_TCSBRKP:
        return tty_check_change(tty, SIGTTOU); // drain (done) and a break (a UART without a line)
    }
    long result = tty_jobctrl_ioctl(f, tty, cmd, arg);
    return result == -ENOIOCTLCMD ? -LKM_ENOTTY : result;
}
