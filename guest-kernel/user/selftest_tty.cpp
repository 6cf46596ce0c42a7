// init_test=tty: process groups and sessions, the console's termios and window size, the
// controlling terminal, kill(0) / kill(-pgrp) / kill(-1), and job control (SIGSTOP/SIGCONT,
// a background read stopped by SIGTTIN, a background TCSETS by SIGTTOU, SIGTTIN ignored is EIO),
// all through real system calls from init (pid 1, leader of session 1 and group 1) and children
// it forks. Each check writes "tty: NAME ok" or "tty: NAME FAILED (value)" to /dev/kmsg.
#include "init.h"
#include "selftest_log.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/linux_syscalls.h>
#include <lkmemu/signal.h>
#include <lkmemu/termios.h>
#include <lkmemu/wait.h>

namespace init {

namespace {

selftest_log* g_log; // while run_tty_selftest runs

void say(const char* name, bool ok, long value = 0) { g_log->check(name, ok, nullptr, value); }

long ioctl(long fd, unsigned cmd, const void* arg)
{
    return sys::syscall(sys::NR_ioctl, fd, cmd, reinterpret_cast<long>(arg));
}
long ioctl_value(long fd, unsigned cmd, long arg) { return sys::syscall(sys::NR_ioctl, fd, cmd, arg); }
long kill(long pid, int sig) { return sys::syscall(sys::NR_kill, pid, sig); }
long getpid() { return sys::syscall(sys::NR_getpid); }
long getpgid(long pid) { return sys::syscall(sys::NR_getpgid, pid); }
long getsid(long pid) { return sys::syscall(sys::NR_getsid, pid); }
long setpgid(long pid, long pgid) { return sys::syscall(sys::NR_setpgid, pid, pgid); }

// The status of the child's next change that `options` asks for.
long wait_for(long pid, int options)
{
    int status = 0;
    for (;;) {
        long ret = sys::syscall(LINUX_NR_wait4, pid, reinterpret_cast<long>(&status), options, 0);
        if (ret == -LKM_EINTR)
            continue;
        return ret < 0 ? ret : status;
    }
}

// A child that waits to be signalled (SIG_DFL for everything: a signal that terminates, does).
[[noreturn]] void wait_forever()
{
    for (;;)
        sys::syscall(sys::NR_pause);
}

long set_ignored(int sig)
{
    lkm_sigaction act {};
    act.sa_handler = LKM_SIG_IGN;
    return sys::syscall(sys::NR_rt_sigaction, sig, reinterpret_cast<long>(&act), 0, 8);
}

void check_groups_and_sessions()
{
    say("getpgrp of init is 1", sys::syscall(sys::NR_getpgrp) == 1, sys::syscall(sys::NR_getpgrp));
    say("getpgid(0) is 1", getpgid(0) == 1, getpgid(0));
    say("getsid(0) is 1", getsid(0) == 1, getsid(0));
    say("getsid(1) is 1", getsid(1) == 1, getsid(1));
    say("getpgid of no such pid is ESRCH", getpgid(99999) == -LKM_ESRCH, getpgid(99999));
    say("getsid of no such pid is ESRCH", getsid(99999) == -LKM_ESRCH, getsid(99999));
    say("setsid of a group leader is EPERM", sys::syscall(sys::NR_setsid) == -LKM_EPERM, sys::syscall(sys::NR_setsid));
    say("setpgid of a session leader is EPERM", setpgid(0, 0) == -LKM_EPERM, setpgid(0, 0));
    say("setpgid with a negative pgid is EINVAL", setpgid(0, -1) == -LKM_EINVAL, setpgid(0, -1));
    say("setpgid of no such pid is ESRCH", setpgid(99999, 0) == -LKM_ESRCH, setpgid(99999, 0));
    say("kill(-1) with no other process is ESRCH", kill(-1, 0) == -LKM_ESRCH, kill(-1, 0));
    say("kill(-pgrp) of an empty group is ESRCH", kill(-4242, 0) == -LKM_ESRCH, kill(-4242, 0));
    say("kill(0, 0) reaches init's group", kill(0, 0) == 0, kill(0, 0));
}

void check_termios(long console)
{
    lkm_termios t {};
    long got = ioctl(console, LKM_TCGETS, &t);
    say("TCGETS on /dev/console", got == 0, got);
    say("default lflag ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN",
        t.c_lflag == (LKM_ISIG | LKM_ICANON | LKM_ECHO | LKM_ECHOE | LKM_ECHOK | LKM_ECHOCTL | LKM_ECHOKE | LKM_IEXTEN), t.c_lflag);
    say("default iflag ICRNL IXON", t.c_iflag == (LKM_ICRNL | LKM_IXON), t.c_iflag);
    say("default oflag OPOST ONLCR", t.c_oflag == (LKM_OPOST | LKM_ONLCR), t.c_oflag);
    say("default VINTR ^C VERASE ^? VEOF ^D VMIN 1",
        t.c_cc[LKM_VINTR] == 3 && t.c_cc[LKM_VERASE] == 0177 && t.c_cc[LKM_VEOF] == 4 && t.c_cc[LKM_VMIN] == 1);
    lkm_termios raw = t;
    raw.c_lflag &= ~(LKM_ICANON | LKM_ECHO);
    raw.c_cc[LKM_VMIN] = 0;
    raw.c_cc[LKM_VTIME] = 1;
    lkm_termios back {};
    bool round_trip = ioctl(console, LKM_TCSETS, &raw) == 0 && ioctl(console, LKM_TCGETS, &back) == 0 &&
                      back.c_lflag == raw.c_lflag && back.c_cc[LKM_VMIN] == 0 && back.c_cc[LKM_VTIME] == 1;
    say("TCSETS then TCGETS round trip", round_trip, back.c_lflag);
    // Raw with VMIN 0, VTIME 1: a read with no input returns 0 after a tenth of a second.
    char byte;
    long n = sys::read(static_cast<int>(console), &byte, 1);
    say("raw read with VMIN 0 VTIME 1 and no input is 0", n == 0, n);
    say("TCSETSF restores the defaults", ioctl(console, LKM_TCSETSF, &t) == 0);
    say("TCSETSW", ioctl(console, LKM_TCSETSW, &t) == 0);

    lkm_winsize ws {};
    got = ioctl(console, LKM_TIOCGWINSZ, &ws);
    say("TIOCGWINSZ is 24x80", got == 0 && ws.ws_row == 24 && ws.ws_col == 80, ws.ws_row * 1000 + ws.ws_col);
    lkm_winsize big { 50, 132, 0, 0 };
    lkm_winsize seen {};
    bool resized = ioctl(console, LKM_TIOCSWINSZ, &big) == 0 && ioctl(console, LKM_TIOCGWINSZ, &seen) == 0 &&
                   seen.ws_row == 50 && seen.ws_col == 132;
    say("TIOCSWINSZ then TIOCGWINSZ", resized, seen.ws_row * 1000 + seen.ws_col);
    ioctl(console, LKM_TIOCSWINSZ, &ws);

    int queued = -1;
    say("FIONREAD with no input is 0", ioctl(console, LKM_FIONREAD, &queued) == 0 && queued == 0, queued);
    say("TCFLSH TCIFLUSH", ioctl_value(console, LKM_TCFLSH, LKM_TCIFLUSH) == 0);
    say("TCFLSH of a bad queue is EINVAL", ioctl_value(console, LKM_TCFLSH, 7) == -LKM_EINVAL);
    say("TCXONC TCOON", ioctl_value(console, LKM_TCXONC, LKM_TCOON) == 0);
    say("TCGETS with a bad pointer is EFAULT", ioctl_value(console, LKM_TCGETS, 8) == -LKM_EFAULT);
    say("an unknown terminal ioctl is ENOTTY", ioctl_value(console, 0x54ff, 0) == -LKM_ENOTTY);
    long kmsg = sys::open("/dev/kmsg", LKM_O_RDONLY);
    say("TCGETS on /dev/kmsg is ENOTTY", ioctl(kmsg, LKM_TCGETS, &t) == -LKM_ENOTTY);
    sys::close(static_cast<int>(kmsg));
}

void check_controlling_terminal(long console)
{
    int pgrp = -1;
    say("TIOCGPGRP without a controlling terminal is ENOTTY", ioctl(console, LKM_TIOCGPGRP, &pgrp) == -LKM_ENOTTY);
    long tty = sys::open("/dev/tty", LKM_O_RDWR);
    say("/dev/tty without a controlling terminal is ENXIO", tty == -LKM_ENXIO, tty);
    say("TIOCSCTTY by a session leader", ioctl_value(console, LKM_TIOCSCTTY, 0) == 0);
    say("TIOCSCTTY again is 0", ioctl_value(console, LKM_TIOCSCTTY, 0) == 0);
    say("TIOCGPGRP is 1", ioctl(console, LKM_TIOCGPGRP, &pgrp) == 0 && pgrp == 1, pgrp);
    int sid = -1;
    say("TIOCGSID is 1", ioctl(console, LKM_TIOCGSID, &sid) == 0 && sid == 1, sid);
    tty = sys::open("/dev/tty", LKM_O_RDWR);
    say("/dev/tty opens the controlling terminal", tty >= 0, tty);
    if (tty >= 0)
        sys::close(static_cast<int>(tty));
    int nobody = 4242, negative = -5, one = 1;
    say("TIOCSPGRP of an empty group is ESRCH", ioctl(console, LKM_TIOCSPGRP, &nobody) == -LKM_ESRCH);
    say("TIOCSPGRP of a negative group is EINVAL", ioctl(console, LKM_TIOCSPGRP, &negative) == -LKM_EINVAL);
    say("TIOCSPGRP of init's group", ioctl(console, LKM_TIOCSPGRP, &one) == 0);
}

void check_kill_targets()
{
    // kill(-pgrp): a child in a group of its own.
    long child = fork_process();
    if (child == 0) {
        setpgid(0, 0);
        wait_forever();
    }
    long set = setpgid(child, child); // as a shell does, in both: whoever comes first wins
    say("setpgid of a child into a group of its own", set == 0, set);
    say("getpgid of the child is its pid", getpgid(child) == child, getpgid(child));
    say("setpgid into a group that does not exist is EPERM", setpgid(child, 4242) == -LKM_EPERM);
    say("kill(-pgrp, SIGTERM)", kill(-child, LKM_SIGTERM) == 0);
    long status = wait_for(child, 0);
    say("the group's process died of SIGTERM", status == LKM_SIGTERM, status);
    say("kill(-pgrp) of the reaped group is ESRCH", kill(-child, 0) == -LKM_ESRCH);

    // kill(0): the caller's group, where a child stays after fork (init ignores what it has no
    // handler for).
    child = fork_process();
    if (child == 0)
        wait_forever();
    say("a child inherits its parent's group", getpgid(child) == 1 && getsid(child) == 1, getpgid(child));
    say("kill(0, SIGUSR1)", kill(0, LKM_SIGUSR1) == 0);
    status = wait_for(child, 0);
    say("the child in init's group died of SIGUSR1", status == LKM_SIGUSR1, status);

    // kill(-1): everyone but init and the caller.
    child = fork_process();
    if (child == 0)
        wait_forever();
    say("kill(-1, SIGUSR2)", kill(-1, LKM_SIGUSR2) == 0);
    status = wait_for(child, 0);
    say("the other process died of SIGUSR2", status == LKM_SIGUSR2, status);

    // setsid in a child: a new session; stops itself once there, so that the parent looks after.
    child = fork_process();
    if (child == 0) {
        long sid = sys::syscall(sys::NR_setsid);
        if (sid != getpid())
            exit_process(1);
        if (sys::syscall(sys::NR_setsid) != -LKM_EPERM)
            exit_process(2);
        kill(0, LKM_SIGSTOP);
        exit_process(3);
    }
    status = wait_for(child, LKM_WUNTRACED);
    say("a child's setsid makes a session (and a second is EPERM)", status == LKM_W_STOPCODE(LKM_SIGSTOP), status);
    say("getsid of the new session's leader is its pid", getsid(child) == child, getsid(child));
    say("setpgid of a child in another session is EPERM", setpgid(child, 0) == -LKM_EPERM);
    kill(child, LKM_SIGKILL);
    status = wait_for(child, 0);
    say("SIGKILL ends a stopped process", status == LKM_SIGKILL, status);
}

void check_stop_and_continue()
{
    long child = fork_process();
    if (child == 0)
        wait_forever();
    say("kill SIGSTOP", kill(child, LKM_SIGSTOP) == 0);
    long status = wait_for(child, LKM_WUNTRACED);
    say("wait4(WUNTRACED) reports the stop by SIGSTOP", status == LKM_W_STOPCODE(LKM_SIGSTOP), status);
    say("kill SIGCONT", kill(child, LKM_SIGCONT) == 0);
    status = wait_for(child, LKM_WCONTINUED);
    say("wait4(WCONTINUED) reports the continue", status == LKM_W_CONTINUED, status);
    kill(child, LKM_SIGSTOP);
    wait_for(child, LKM_WUNTRACED);
    kill(child, LKM_SIGTERM); // pending while stopped: taken after the SIGCONT
    kill(child, LKM_SIGCONT);
    status = wait_for(child, 0);
    say("a signal sent while stopped is taken after SIGCONT", status == LKM_SIGTERM, status);

    // init's children are an orphaned group (Linux's rule): SIGTSTP is discarded for them.
    child = fork_process();
    if (child == 0)
        wait_forever();
    kill(child, LKM_SIGTSTP);
    kill(child, LKM_SIGTERM);
    status = wait_for(child, LKM_WUNTRACED);
    say("SIGTSTP to an orphaned group is discarded", status == LKM_SIGTERM, status);
}

// Runs job(console) in a grandchild in a group of its own, with its parent (a child of init, in
// init's group) as its shell: a group whose members' parent is init is orphaned (Linux's rule),
// and job-control stops apply only to groups that are not. The parent exits with the stopping
// signal's number, or 100 + the job's exit code if it was not stopped; this returns that code.
long job_as_seen_by_its_shell(long console, void (*job)(long console))
{
    long shell = fork_process();
    if (shell == 0) {
        long child = fork_process();
        if (child == 0) {
            setpgid(0, 0);
            job(console);
            exit_process(0);
        }
        setpgid(child, child);
        long status = wait_for(child, LKM_WUNTRACED);
        if ((status & 0xff) == 0x7f) {
            kill(child, LKM_SIGKILL);
            wait_for(child, 0);
            exit_process(static_cast<int>((status >> 8) & 0xff));
        }
        exit_process(static_cast<int>(100 + ((status >> 8) & 0xff)));
    }
    long status = wait_for(shell, 0);
    return status < 0 ? status : (status >> 8) & 0xff;
}

void background_read(long console)
{
    char byte;
    sys::read(static_cast<int>(console), &byte, 1);
}

void background_tcsets(long console)
{
    lkm_termios t {};
    ioctl(console, LKM_TCGETS, &t);
    ioctl(console, LKM_TCSETS, &t);
}

void background_read_ignoring_sigttin(long console)
{
    set_ignored(LKM_SIGTTIN);
    char byte;
    long n = sys::read(static_cast<int>(console), &byte, 1);
    exit_process(n == -LKM_EIO ? 0 : 1);
}

void self_tstp(long)
{
    kill(0, LKM_SIGTSTP);
    exit_process(0);
}

void check_background_job(long console)
{
    long seen = job_as_seen_by_its_shell(console, background_read);
    say("a background read stops with SIGTTIN", seen == LKM_SIGTTIN, seen);
    seen = job_as_seen_by_its_shell(console, background_tcsets);
    say("a background TCSETS stops with SIGTTOU", seen == LKM_SIGTTOU, seen);
    seen = job_as_seen_by_its_shell(console, background_read_ignoring_sigttin);
    say("a background read with SIGTTIN ignored is EIO", seen == 100, seen);
    seen = job_as_seen_by_its_shell(console, self_tstp);
    say("SIGTSTP stops a job whose shell is not init", seen == LKM_SIGTSTP, seen);

    // A child of init in a group of its own is in an orphaned group: its background read is EIO.
    long child = fork_process();
    if (child == 0) {
        setpgid(0, 0);
        char byte;
        exit_process(sys::read(static_cast<int>(console), &byte, 1) == -LKM_EIO ? 0 : 1);
    }
    setpgid(child, child);
    long status = wait_for(child, LKM_WUNTRACED);
    say("a background read in an orphaned group is EIO", status == 0, status);
}

} // namespace

void run_tty_selftest()
{
    selftest_log log("tty");
    g_log = &log;
    check_groups_and_sessions();
    long console = sys::open("/dev/console", LKM_O_RDWR | LKM_O_NOCTTY);
    say("open /dev/console", console >= 0, console);
    if (console >= 0) {
        check_termios(console);
        check_controlling_terminal(console);
    }
    check_kill_targets();
    check_stop_and_continue();
    if (console >= 0)
        check_background_job(console);
    if (console >= 0) {
        say("TIOCNOTTY gives the terminal up", ioctl_value(console, LKM_TIOCNOTTY, 0) == 0);
        long tty = sys::open("/dev/tty", LKM_O_RDWR);
        say("/dev/tty after TIOCNOTTY is ENXIO", tty == -LKM_ENXIO, tty);
        sys::close(static_cast<int>(console));
    }
    log.done();
    g_log = nullptr;
}

} // namespace init
