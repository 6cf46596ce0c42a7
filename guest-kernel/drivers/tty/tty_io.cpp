// The terminal's files (Linux's drivers/tty/tty_io.c and n_tty_read/n_tty_write): opening
// /dev/ttyS0, /dev/console and /dev/tty, read with canonical lines or VMIN/VTIME, write through
// output processing, poll, and the bytes the UART's interrupt brings. There is one terminal, the
// serial console; its struct lives as long as the kernel.
//
// Locking: the kernel runs with interrupts off and takes the UART's interrupt only in user mode
// or while a task sleeps, so the line discipline's buffer changes under a reader only between
// its checks, never in the middle of one; the copies still hold IrqSaveGuard, which costs
// nothing and keeps that true if the kernel ever runs with interrupts on.
#include "drivers/tty/tty.h"

#include <lkmemu/errno.h>
#include <asm/processor.h>
#include <asm/uaccess.h>
#include <kernel/fs.h>
#include <kernel/jobctl.h>
#include <kernel/poll.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/slab.h>
#include <kernel/time.h>

namespace {

tty_struct* g_console;

void ldisc_output(void* owner, const char* bytes, size_t length)
{
    static_cast<tty_struct*>(owner)->driver->write(bytes, length);
}

// ISIG: ^C, ^\ and ^Z go to the foreground group as the kernel's signals (Linux's __isig).
void ldisc_signal(void* owner, int sig)
{
    auto* tty = static_cast<tty_struct*>(owner);
    if (!tty->pgrp)
        return;
    lkm_siginfo info {};
    info.si_signo = sig;
    info.si_code = LKM_SI_KERNEL;
    kill_pgrp_info(sig, &info, tty->pgrp);
}

void ldisc_flow(void* owner, bool stopped) { tty_set_output_stopped(static_cast<tty_struct*>(owner), stopped); }

const n_tty_ops g_ldisc_ops = { ldisc_output, ldisc_signal, ldisc_flow };

bool is_session_leader(const task_struct* t) { return t->pid == t->session; }

int open_as(file* f, tty_struct* tty, bool may_become_controlling)
{
    if (!tty)
        return -LKM_ENXIO;
    // Linux's tty_open: a session leader without a terminal that opens one nobody controls
    // gets it, unless O_NOCTTY (or it is /dev/console or /dev/tty, which never do).
    task_struct* self = current();
    if (may_become_controlling && !(f->f_flags & O_NOCTTY) && is_session_leader(self) && !self->tty && !tty->session)
        tty_set_controlling(tty, self);
    f->private_data = tty;
    return 0;
}

// Major 5: /dev/tty (the caller's controlling terminal) and /dev/console.
int tty_aux_open(file* f)
{
    switch (f->minor) {
    case 0:
        return current()->tty ? open_as(f, current()->tty, false) : -LKM_ENXIO;
    case 1:
        return open_as(f, g_console, false);
    default:
        return -LKM_ENODEV;
    }
}

// Major 4: the serial lines, of which there is ttyS0.
int tty_serial_open(file* f)
{
    if (f->minor != LKM_TTYS0_MINOR)
        return -LKM_ENODEV;
    return open_as(f, g_console, true);
}

// Whether a read may return now, and what VMIN/VTIME ask for (Linux's n_tty_read).
struct ReadRule {
    bool canon;
    size_t minimum;  // raw: return once this many bytes are copied (0: whatever is there)
    long timeout;    // raw with VTIME: jiffies to wait for (more) input
    bool no_wait;    // raw with VMIN = VTIME = 0: never wait
};

ReadRule read_rule(const tty_struct* tty, size_t count)
{
    ReadRule r {};
    r.canon = tty->termios.c_lflag & LKM_ICANON;
    r.timeout = MAX_SCHEDULE_TIMEOUT;
    if (r.canon)
        return r;
    u8 vmin = tty->termios.c_cc[LKM_VMIN], vtime = tty->termios.c_cc[LKM_VTIME];
    r.minimum = min<size_t>(vmin, count);
    if (vtime)
        r.timeout = max<long>(static_cast<long>(vtime * HZ / 10), 1);
    r.no_wait = !vmin && !vtime;
    return r;
}

ssize_t tty_read(file* f, u64 user_buf, size_t count)
{
    tty_struct* tty = file_tty(f);
    if (long error = tty_check_change(tty, SIGTTIN))
        return error;
    if (!count)
        return 0;
    size_t const want = min(count, N_TTY_BUF_SIZE);
    KBuffer<u8> buf(want);
    if (!buf)
        return -LKM_ENOMEM;
    ReadRule const rule = read_rule(tty, want);
    size_t copied = 0;
    long result = 0;
    for (;;) {
        {
            IrqSaveGuard irqs_off;
            if (rule.canon) {
                if (n_tty_input_available(&tty->ldisc, 1)) {
                    copied = n_tty_copy(&tty->ldisc, buf.get(), want); // one line, or 0 at ^D
                    break;
                }
            } else {
                copied += n_tty_copy(&tty->ldisc, buf.get() + copied, want - copied);
                if (copied && copied >= rule.minimum)
                    break;
            }
        }
        if (rule.no_wait)
            break;
        if (f->f_flags & O_NONBLOCK) {
            if (!copied)
                result = -LKM_EAGAIN;
            break;
        }
        // VMIN > 0 with VTIME: the timer runs between bytes, from the first one on.
        long timeout = rule.minimum && !copied ? MAX_SCHEDULE_TIMEOUT : rule.timeout;
        long left = wait_event_interruptible_timeout(tty->read_wait, [&] { return n_tty_input_available(&tty->ldisc, 1); },
                                                     timeout);
        if (left == -ERESTARTSYS) {
            if (!copied)
                result = -ERESTARTSYS;
            break;
        }
        if (left == 0 && !n_tty_input_available(&tty->ldisc, 1))
            break; // VTIME ran out: what was copied, maybe nothing
    }
    if (result)
        return result;
    if (copied && copy_to_user(user_buf, buf.get(), copied))
        return -LKM_EFAULT;
    return static_cast<ssize_t>(copied);
}

ssize_t tty_write(file* f, u64 user_buf, size_t count)
{
    tty_struct* tty = file_tty(f);
    if (tty->termios.c_lflag & LKM_TOSTOP) {
        if (long error = tty_check_change(tty, SIGTTOU))
            return error;
    }
    u8 chunk[256];
    size_t written = 0;
    while (written < count) {
        if (tty->output_stopped) {
            if (f->f_flags & O_NONBLOCK)
                return written ? static_cast<ssize_t>(written) : -LKM_EAGAIN;
            if (wait_event_interruptible(tty->write_wait, [&] { return !tty->output_stopped; }))
                return written ? static_cast<ssize_t>(written) : -ERESTARTSYS;
        }
        size_t n = min(count - written, sizeof(chunk));
        if (copy_from_user(chunk, user_buf + written, n))
            return written ? static_cast<ssize_t>(written) : -LKM_EFAULT;
        IrqSaveGuard irqs_off; // an echo from the interrupt must not land inside the chunk
        n_tty_write(&tty->ldisc, chunk, n);
        written += n;
    }
    return static_cast<ssize_t>(written);
}

unsigned tty_poll(file* f, poll_table_struct* pt)
{
    tty_struct* tty = file_tty(f);
    poll_wait(f, &tty->read_wait, pt);
    poll_wait(f, &tty->write_wait, pt);
    unsigned mask = 0;
    // Linux's n_tty_poll: raw without VTIME is readable at VMIN bytes, otherwise at one.
    size_t amount = 1;
    if (!(tty->termios.c_lflag & LKM_ICANON) && !tty->termios.c_cc[LKM_VTIME] && tty->termios.c_cc[LKM_VMIN])
        amount = tty->termios.c_cc[LKM_VMIN];
    if (n_tty_input_available(&tty->ldisc, amount))
        mask |= POLLIN | POLLRDNORM;
    if (!tty->output_stopped)
        mask |= POLLOUT | POLLWRNORM;
    return mask;
}

const file_operations g_tty_aux_fops = {
    .open = tty_aux_open, .read = tty_read, .write = tty_write, .unlocked_ioctl = tty_ioctl, .poll = tty_poll,
};
const file_operations g_tty_serial_fops = {
    .open = tty_serial_open, .read = tty_read, .write = tty_write, .unlocked_ioctl = tty_ioctl, .poll = tty_poll,
};

int make_node(const char* path, unsigned major, unsigned minor, u32 mode)
{
    int error = register_device_node(path, major, minor, mode);
    return error == -LKM_EEXIST ? 0 : error; // an initramfs may bring its own /dev/console
}

} // namespace

tty_struct* file_tty(const file* f) { return static_cast<tty_struct*>(f->private_data); }

tty_struct* console_tty() { return g_console; }

tty_struct* tty_register_console(const char* name, const tty_driver_ops* ops)
{
    auto* tty = static_cast<tty_struct*>(kmalloc(sizeof(tty_struct)));
    if (!tty)
        return nullptr;
    tty->name = name;
    tty->driver = ops;
    tty->termios = n_tty_default_termios();
    tty->winsize = { 24, 80, 0, 0 };
    tty->pgrp = tty->session = 0;
    tty->output_stopped = false;
    init_waitqueue_head(&tty->read_wait);
    init_waitqueue_head(&tty->write_wait);
    n_tty_init(&tty->ldisc, &tty->termios, &g_ldisc_ops, tty);
    g_console = tty;
    int error = register_chrdev(LKM_TTY_MAJOR, "ttyS", &g_tty_serial_fops);
    if (!error)
        error = register_chrdev(LKM_TTYAUX_MAJOR, "tty", &g_tty_aux_fops);
    if (!error)
        error = make_node("/dev/ttyS0", LKM_TTY_MAJOR, LKM_TTYS0_MINOR, 0620);
    if (!error)
        error = make_node("/dev/console", LKM_TTYAUX_MAJOR, 1, 0600);
    if (!error)
        error = make_node("/dev/tty", LKM_TTYAUX_MAJOR, 0, 0666);
    if (error)
        pr_err("tty: cannot register %s's devices: %d\n", name, error);
    return tty;
}

void tty_receive(tty_struct* tty, const u8* bytes, size_t count)
{
    if (!(tty->termios.c_cflag & LKM_CREAD))
        return; // the receiver is off
    n_tty_receive(&tty->ldisc, bytes, count);
    wake_up_all(&tty->read_wait);
}

void tty_set_initial_winsize(tty_struct* tty, u16 rows, u16 cols) { tty->winsize = { rows, cols, 0, 0 }; }

void tty_set_output_stopped(tty_struct* tty, bool stopped)
{
    tty->output_stopped = stopped;
    if (!stopped)
        wake_up_all(&tty->write_wait);
}
