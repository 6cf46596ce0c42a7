// init_test=pipe: pipes, FIFOs, poll, ppoll, select and pselect6 checked through the real system
// calls from ring 3, before init starts serving. Each check writes one line to /dev/kmsg,
// "pipe: NAME ok" or "pipe: NAME FAILED (detail VALUE)", and tests/integration/pipe_test.cpp
// asserts the lines. Timeouts are checked against CLOCK_MONOTONIC, which is guest time (ticks),
// so the numbers are the same on every run. The checks with a second process (a blocked read
// woken by a child's write, SIGPIPE's default action) fork; /proc/meminfo is compared before
// and after everything.
#include "init.h"
#include "selftest_log.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <lkmemu/poll.h>
#include <lkmemu/signal.h>
#include <lkmemu/stat.h>
#include <lkmemu/termios.h>
#include <lkmemu/time.h>
#include <lkmemu/wait.h>

extern "C" void selftest_restore_rt(); // user/selftest_signals.cpp: rt_sigreturn

namespace init {

namespace {

selftest_log* g_log; // while run_pipe_selftest runs

void check(const char* name, bool ok, const char* detail = "got", long value = 0)
{
    g_log->check(name, ok, detail, value);
}

template <typename T>
long p(T* pointer) { return reinterpret_cast<long>(pointer); }

long pipe2(int fds[2], int flags) { return sc(sys::NR_pipe2, p(fds), flags); }
long close_fd(long fd) { return sc(sys::NR_close, fd); }
long rd(long fd, void* buf, size_t n) { return sc(sys::NR_read, fd, p(buf), static_cast<long>(n)); }
long wr(long fd, const void* buf, size_t n) { return sc(sys::NR_write, fd, p(buf), static_cast<long>(n)); }
long fcntl(long fd, long cmd, long arg = 0) { return sc(sys::NR_fcntl, fd, cmd, arg); }
long poll(lkm_pollfd* fds, long nfds, long timeout) { return sc(sys::NR_poll, p(fds), nfds, timeout); }
long getpid() { return sc(sys::NR_getpid); }

long fionread(long fd)
{
    int n = -1;
    long error = sc(sys::NR_ioctl, fd, LKM_FIONREAD, p(&n));
    return error ? error : n;
}

// CLOCK_MONOTONIC in milliseconds.
long now_ms()
{
    lkm_timespec ts {};
    sc(sys::NR_clock_gettime, LKM_CLOCK_MONOTONIC, p(&ts));
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// A page of bytes to write (and a page to read into): static, so that their pages are mapped
// before the baseline.
const char* const k_regular = "/pipe-selftest-file"; // a regular file: no ->poll, always ready
char g_out[2 * 4096 + 1];
char g_in[2 * 4096 + 1];

// --- signals ---

struct seen {
    int runs, signo, code;
};
seen g_pipe_seen, g_usr1_seen;

void on_sigpipe(int sig, lkm_siginfo* info, void*)
{
    g_pipe_seen.runs++;
    g_pipe_seen.signo = sig;
    g_pipe_seen.code = info->si_code;
}

void on_sigusr1(int sig, lkm_siginfo* info, void*)
{
    g_usr1_seen.runs++;
    g_usr1_seen.signo = sig;
    g_usr1_seen.code = info->si_code;
}

long install(int sig, void (*handler)(int, lkm_siginfo*, void*), uint64_t flags = 0)
{
    lkm_sigaction act {};
    act.sa_handler = reinterpret_cast<uint64_t>(handler);
    act.sa_flags = flags | LKM_SA_RESTORER | LKM_SA_SIGINFO;
    act.sa_restorer = reinterpret_cast<uint64_t>(&selftest_restore_rt);
    return sc(sys::NR_rt_sigaction, sig, p(&act), 0, 8);
}

void set_default(int sig)
{
    lkm_sigaction act {};
    sc(sys::NR_rt_sigaction, sig, p(&act), 0, 8);
}

constexpr uint64_t bit(int sig) { return 1ull << (sig - 1); }

uint64_t set_blocked(uint64_t mask)
{
    uint64_t old = 0;
    sc(sys::NR_rt_sigprocmask, LKM_SIG_SETMASK, p(&mask), p(&old), 8);
    return old;
}

uint64_t blocked_now()
{
    uint64_t old = 0;
    sc(sys::NR_rt_sigprocmask, LKM_SIG_BLOCK, 0, p(&old), 8);
    return old;
}

// --- the checks ---

void check_round_trip()
{
    int fds[2] = { -1, -1 };
    long ret = pipe2(fds, 0);
    check("pipe2", ret == 0 && fds[0] >= 0 && fds[1] > fds[0], "got", ret);
    lkm_stat st {};
    ret = sc(sys::NR_fstat, fds[0], p(&st));
    check("fstat says S_IFIFO", ret == 0 && (st.st_mode & LKM_S_IFMT) == LKM_S_IFIFO, "mode", static_cast<long>(st.st_mode));
    check("F_GETPIPE_SZ is 65536", fcntl(fds[1], LKM_F_GETPIPE_SZ) == 65536, "got", fcntl(fds[1], LKM_F_GETPIPE_SZ));
    ret = wr(fds[1], "hello, pipe", 11);
    check("write 11 bytes", ret == 11, "got", ret);
    check("FIONREAD 11", fionread(fds[0]) == 11, "got", fionread(fds[0]));
    char buf[32] = {};
    ret = rd(fds[0], buf, 5);
    bool same = ret == 5 && buf[0] == 'h' && buf[4] == 'o';
    ret = same ? rd(fds[0], buf, sizeof buf) : ret;
    check("read back in two parts", same && ret == 6 && buf[0] == ',' && buf[5] == 'e', "got", ret);
    check("read on the write end: EBADF", rd(fds[1], buf, 1) == -LKM_EBADF, "got", rd(fds[1], buf, 1));
    check("write on the read end: EBADF", wr(fds[0], buf, 1) == -LKM_EBADF, "got", wr(fds[0], buf, 1));
    check("lseek: ESPIPE", sc(sys::NR_lseek, fds[0], 0, LKM_SEEK_SET) == -LKM_ESPIPE, "got",
          sc(sys::NR_lseek, fds[0], 0, LKM_SEEK_SET));
    close_fd(fds[1]);
    ret = rd(fds[0], buf, sizeof buf);
    check("EOF after the writer closed", ret == 0, "got", ret);
    lkm_pollfd pfd { fds[0], LKM_POLLIN, 0 };
    ret = poll(&pfd, 1, 0);
    check("POLLHUP after the writer closed", ret == 1 && pfd.revents == LKM_POLLHUP, "revents", pfd.revents);
    close_fd(fds[0]);
    check("pipe2 bad flags: EINVAL", pipe2(fds, LKM_O_APPEND) == -LKM_EINVAL, "got", pipe2(fds, LKM_O_APPEND));
    check("pipe2 bad pointer: EFAULT", sc(sys::NR_pipe2, 16, 0) == -LKM_EFAULT, "got", sc(sys::NR_pipe2, 16, 0));
    int old_fds[2] = { -1, -1 };
    ret = sc(sys::NR_pipe, p(old_fds));
    check("pipe", ret == 0 && old_fds[0] >= 0, "got", ret);
    close_fd(old_fds[0]);
    close_fd(old_fds[1]);
}

void check_epipe()
{
    int fds[2];
    pipe2(fds, 0);
    install(LKM_SIGPIPE, on_sigpipe);
    g_pipe_seen = {};
    close_fd(fds[0]);
    long ret = wr(fds[1], "x", 1);
    check("write without a reader: EPIPE", ret == -LKM_EPIPE, "got", ret);
    check("and SIGPIPE to the writer", g_pipe_seen.runs == 1 && g_pipe_seen.signo == LKM_SIGPIPE &&
          g_pipe_seen.code == LKM_SI_USER, "runs", g_pipe_seen.runs);
    lkm_pollfd pfd { fds[1], LKM_POLLOUT, 0 };
    ret = poll(&pfd, 1, 0);
    check("POLLERR without a reader", ret == 1 && (pfd.revents & LKM_POLLERR), "revents", pfd.revents);
    close_fd(fds[1]);
    set_default(LKM_SIGPIPE);
}

void check_nonblocking()
{
    int fds[2];
    pipe2(fds, LKM_O_NONBLOCK | LKM_O_CLOEXEC);
    char c;
    long ret = rd(fds[0], &c, 1);
    check("O_NONBLOCK read of an empty pipe: EAGAIN", ret == -LKM_EAGAIN, "got", ret);
    check("O_CLOEXEC", fcntl(fds[0], LKM_F_GETFD) == LKM_FD_CLOEXEC && fcntl(fds[1], LKM_F_GETFD) == LKM_FD_CLOEXEC,
          "got", fcntl(fds[0], LKM_F_GETFD));
    check("F_GETFL: O_WRONLY|O_NONBLOCK", (fcntl(fds[1], LKM_F_GETFL) & (LKM_O_ACCMODE | LKM_O_NONBLOCK)) ==
          (LKM_O_WRONLY | LKM_O_NONBLOCK), "got", fcntl(fds[1], LKM_F_GETFL));
    long total = 0;
    for (int n = 0; n < 32; n++) {
        ret = wr(fds[1], g_out, 4096);
        if (ret < 0)
            break;
        total += ret;
    }
    check("65536 bytes fit", total == 65536, "got", total);
    check("then EAGAIN", ret == -LKM_EAGAIN, "got", ret);
    check("FIONREAD 65536", fionread(fds[0]) == 65536, "got", fionread(fds[0]));
    lkm_pollfd pfd { fds[1], LKM_POLLOUT, 0 };
    ret = poll(&pfd, 1, 0);
    check("a full pipe is not writable", ret == 0 && pfd.revents == 0, "got", ret);
    close_fd(fds[0]);
    close_fd(fds[1]);
}

// A write of at most PIPE_BUF bytes lands whole or not at all; a larger one may be split.
void check_atomicity()
{
    int fds[2];
    pipe2(fds, LKM_O_NONBLOCK);
    for (int n = 0; n < 15; n++)
        wr(fds[1], g_out, 4096);
    wr(fds[1], g_out, 100); // the last slot: 100 bytes, 3996 free in its page
    long ret = wr(fds[1], g_out, 4000);
    check("a PIPE_BUF write is not split: EAGAIN", ret == -LKM_EAGAIN, "got", ret);
    ret = wr(fds[1], g_out, 3996);
    check("a write that fits the last page", ret == 3996, "got", ret);
    rd(fds[0], g_in, 4096); // one slot free
    ret = wr(fds[1], g_out, 8192);
    check("a larger write is split: 4096 of 8192", ret == 4096, "got", ret);
    close_fd(fds[0]);
    close_fd(fds[1]);
}

void check_fcntl_and_dup()
{
    int fds[2];
    pipe2(fds, 0);
    long ret = fcntl(fds[0], LKM_F_SETPIPE_SZ, 3 * 4096);
    check("F_SETPIPE_SZ rounds to a power of two pages", ret == 16384, "got", ret);
    check("F_GETPIPE_SZ after it", fcntl(fds[1], LKM_F_GETPIPE_SZ) == 16384, "got", fcntl(fds[1], LKM_F_GETPIPE_SZ));
    fcntl(fds[1], LKM_F_SETFL, LKM_O_NONBLOCK);
    long total = 0;
    while ((ret = wr(fds[1], g_out, 4096)) > 0)
        total += ret;
    check("a 16384-byte pipe holds 16384", total == 16384, "got", total);
    ret = fcntl(fds[0], LKM_F_SETPIPE_SZ, 4096);
    check("F_SETPIPE_SZ below what is in it: EBUSY", ret == -LKM_EBUSY, "got", ret);
    ret = fcntl(fds[0], LKM_F_SETPIPE_SZ, 65536);
    check("F_SETPIPE_SZ grows a full pipe", ret == 65536 && wr(fds[1], g_out, 4096) == 4096, "got", ret);
    long file_fd = sc(sys::NR_open, p(k_regular), LKM_O_RDWR | LKM_O_CREAT, 0600);
    check("F_GETPIPE_SZ on a regular file: EBADF", file_fd >= 0 && fcntl(file_fd, LKM_F_GETPIPE_SZ) == -LKM_EBADF, "got",
          fcntl(file_fd, LKM_F_GETPIPE_SZ));
    close_fd(file_fd);
    sc(sys::NR_unlink, p(k_regular));
    // The data comes out in order after the resize.
    ret = rd(fds[0], g_in, sizeof g_in);
    check("read after the resize", ret == sizeof g_in, "got", ret);
    close_fd(fds[0]);
    close_fd(fds[1]);

    // dup2/dup3/F_DUPFD: the same open file, so the pipe sees one writer until the last closes.
    pipe2(fds, 0);
    long copy = sc(sys::NR_dup3, fds[1], 40, LKM_O_CLOEXEC);
    check("dup3 of a pipe end", copy == 40 && fcntl(40, LKM_F_GETFD) == LKM_FD_CLOEXEC, "got", copy);
    long copy2 = fcntl(fds[1], LKM_F_DUPFD, 50);
    check("F_DUPFD of a pipe end", copy2 == 50, "got", copy2);
    close_fd(fds[1]);
    check("write through the dup", wr(40, "ab", 2) == 2 && wr(50, "c", 1) == 1, "got", 0);
    close_fd(40);
    ret = rd(fds[0], g_in, 8);
    check("read what the dups wrote", ret == 3 && g_in[0] == 'a' && g_in[2] == 'c', "got", ret);
    fcntl(fds[0], LKM_F_SETFL, LKM_O_NONBLOCK);
    ret = rd(fds[0], g_in, 8);
    check("a writer still open: EAGAIN, not EOF", ret == -LKM_EAGAIN, "got", ret);
    ret = sc(sys::NR_dup2, 50, 41);
    close_fd(50);
    check("dup2 of a pipe end", ret == 41, "got", ret);
    close_fd(41);
    ret = rd(fds[0], g_in, 8);
    check("EOF once the last dup closed", ret == 0, "got", ret);
    close_fd(fds[0]);
}

void check_poll()
{
    int fds[2];
    pipe2(fds, 0);
    lkm_pollfd pfd { fds[0], LKM_POLLIN, 0 };
    long start = now_ms();
    long ret = poll(&pfd, 1, 10);
    long waited = now_ms() - start;
    check("poll of an empty pipe times out: 0", ret == 0 && pfd.revents == 0, "got", ret);
    check("after at least 10 ms of guest time", waited >= 10 && waited <= 16, "waited", waited);
    wr(fds[1], "z", 1);
    ret = poll(&pfd, 1, 10);
    check("poll readable after a write", ret == 1 && pfd.revents == LKM_POLLIN, "revents", pfd.revents);
    pfd.events = LKM_POLLIN | LKM_POLLRDNORM;
    poll(&pfd, 1, 0);
    check("POLLRDNORM when asked", pfd.revents == (LKM_POLLIN | LKM_POLLRDNORM), "revents", pfd.revents);
    lkm_pollfd set[4] = {
        { fds[1], LKM_POLLOUT, 0 },
        { 999, LKM_POLLIN, 0 },
        { -1, LKM_POLLIN, 0x55 },
        { fds[0], LKM_POLLOUT, 0 }, // the read end is never writable
    };
    ret = poll(set, 4, -1);
    check("poll of four: two ready", ret == 2, "got", ret);
    check("the write end: POLLOUT", set[0].revents == LKM_POLLOUT, "revents", set[0].revents);
    check("a closed fd: POLLNVAL", set[1].revents == LKM_POLLNVAL, "revents", set[1].revents);
    check("a negative fd is skipped", set[2].revents == 0, "revents", set[2].revents);
    check("the read end asked for POLLOUT: nothing", set[3].revents == 0, "revents", set[3].revents);
    long file_fd = sc(sys::NR_open, p(k_regular), LKM_O_RDWR | LKM_O_CREAT, 0600);
    lkm_pollfd regular { static_cast<int32_t>(file_fd), LKM_POLLIN | LKM_POLLOUT, 0 };
    ret = poll(&regular, 1, 0);
    check("a regular file is always ready", file_fd >= 0 && ret == 1 && regular.revents == (LKM_POLLIN | LKM_POLLOUT),
          "revents", regular.revents);
    close_fd(file_fd);
    sc(sys::NR_unlink, p(k_regular));
    ret = poll(reinterpret_cast<lkm_pollfd*>(16), 1, 0);
    check("poll bad pointer: EFAULT", ret == -LKM_EFAULT, "got", ret);
    ret = poll(set, 1025, 0);
    check("poll nfds over RLIMIT_NOFILE: EINVAL", ret == -LKM_EINVAL, "got", ret);
    ret = poll(nullptr, 0, 8);
    check("poll of nothing sleeps the timeout: 0", ret == 0, "got", ret);
    rd(fds[0], g_in, 1);
    close_fd(fds[0]);
    close_fd(fds[1]);
}

void fd_set_add(lkm_fd_set* set, int fd) { set->fds_bits[fd / 64] |= 1ull << (fd % 64); }
bool fd_set_has(const lkm_fd_set* set, int fd) { return set->fds_bits[fd / 64] >> (fd % 64) & 1; }

void check_select()
{
    int a[2], b[2];
    pipe2(a, 0);
    pipe2(b, 0);
    wr(a[1], "s", 1);
    lkm_fd_set rset {}, wset {};
    fd_set_add(&rset, a[0]);
    fd_set_add(&rset, b[0]);
    fd_set_add(&wset, b[1]);
    int n = b[1] + 1;
    lkm_timeval tv { 0, 0 };
    long ret = sc(sys::NR_select, n, p(&rset), p(&wset), 0, p(&tv));
    check("select: two ready", ret == 2, "got", ret);
    check("select: the pipe with data is readable", fd_set_has(&rset, a[0]) && !fd_set_has(&rset, b[0]), "got", 0);
    check("select: the write end is writable", fd_set_has(&wset, b[1]), "got", 0);
    lkm_fd_set empty_read {};
    fd_set_add(&empty_read, b[0]);
    tv = { 0, 20000 };
    long start = now_ms();
    ret = sc(sys::NR_select, n, p(&empty_read), 0, 0, p(&tv));
    long waited = now_ms() - start;
    check("select times out: 0 and an empty set", ret == 0 && !fd_set_has(&empty_read, b[0]), "got", ret);
    check("select waited 20 ms and left 0 in the timeval", waited >= 20 && waited <= 24 && tv.tv_sec == 0 && tv.tv_usec == 0,
          "waited", waited);
    lkm_fd_set bad {};
    fd_set_add(&bad, 45); // below the table's 64 descriptors (Linux ignores bits past its end)
    ret = sc(sys::NR_select, 46, p(&bad), 0, 0, p(&tv));
    check("select of a closed fd: EBADF", ret == -LKM_EBADF, "got", ret);
    ret = sc(sys::NR_select, -1, 0, 0, 0, 0);
    check("select n < 0: EINVAL", ret == -LKM_EINVAL, "got", ret);
    ret = sc(sys::NR_select, n, 16, 0, 0, p(&tv));
    check("select bad set: EFAULT", ret == -LKM_EFAULT, "got", ret);
    tv = { 0, -1 };
    ret = sc(sys::NR_select, 0, 0, 0, 0, p(&tv));
    check("select negative timeout: EINVAL", ret == -LKM_EINVAL, "got", ret);
    // pselect6 with a zero timespec: one pass.
    lkm_fd_set rset2 {};
    fd_set_add(&rset2, a[0]);
    lkm_timespec ts { 0, 0 };
    ret = sc(sys::NR_pselect6, a[0] + 1, p(&rset2), 0, 0, p(&ts), 0);
    check("pselect6: readable", ret == 1 && fd_set_has(&rset2, a[0]), "got", ret);
    close_fd(a[0]);
    close_fd(a[1]);
    close_fd(b[0]);
    close_fd(b[1]);
}

// ppoll and pselect6 swap in their mask for the wait: a blocked SIGUSR1 pending before the call
// is delivered during it (EINTR), and the old mask is back after the handler.
void check_sigmask_swap()
{
    int fds[2];
    pipe2(fds, 0);
    install(LKM_SIGUSR1, on_sigusr1);
    uint64_t saved = set_blocked(bit(LKM_SIGUSR1));
    uint64_t unblocked = 0;

    g_usr1_seen = {};
    sc(sys::NR_kill, getpid(), LKM_SIGUSR1);
    lkm_pollfd pfd { fds[0], LKM_POLLIN, 0 };
    long ret = sc(sys::NR_ppoll, p(&pfd), 1, 0, p(&unblocked), 8);
    check("ppoll with a mask: EINTR", ret == -LKM_EINTR, "got", ret);
    check("the handler ran during ppoll", g_usr1_seen.runs == 1 && g_usr1_seen.signo == LKM_SIGUSR1, "runs", g_usr1_seen.runs);
    check("the mask is back after ppoll", blocked_now() == bit(LKM_SIGUSR1), "blocked", static_cast<long>(blocked_now()));

    g_usr1_seen = {};
    sc(sys::NR_kill, getpid(), LKM_SIGUSR1);
    uint64_t still_blocked = bit(LKM_SIGUSR1);
    lkm_timespec ts { 0, 10000000 };
    ret = sc(sys::NR_ppoll, p(&pfd), 1, p(&ts), p(&still_blocked), 8);
    check("ppoll with the signal blocked: timeout", ret == 0 && g_usr1_seen.runs == 0 && ts.tv_sec == 0 && ts.tv_nsec == 0,
          "got", ret);
    ret = sc(sys::NR_ppoll, p(&pfd), 1, p(&ts), p(&still_blocked), 4);
    check("ppoll sigsetsize 4: EINVAL", ret == -LKM_EINVAL, "got", ret);

    lkm_fd_set rset {};
    fd_set_add(&rset, fds[0]);
    struct {
        uint64_t ss, ss_len;
    } sig { static_cast<uint64_t>(p(&unblocked)), 8 };
    ret = sc(sys::NR_pselect6, fds[0] + 1, p(&rset), 0, 0, 0, p(&sig));
    check("pselect6 with a mask: EINTR", ret == -LKM_EINTR, "got", ret);
    check("the handler ran during pselect6", g_usr1_seen.runs == 1, "runs", g_usr1_seen.runs);
    check("the mask is back after pselect6", blocked_now() == bit(LKM_SIGUSR1), "blocked", static_cast<long>(blocked_now()));

    set_blocked(saved);
    set_default(LKM_SIGUSR1);
    close_fd(fds[0]);
    close_fd(fds[1]);
}

void check_fifo()
{
    const char* name = "/pipe-selftest-fifo";
    long ret = sc(sys::NR_mknod, p(name), LKM_S_IFIFO | 0600, 0);
    check("mknod S_IFIFO", ret == 0, "got", ret);
    lkm_stat st {};
    sc(sys::NR_stat, p(name), p(&st));
    check("stat says S_IFIFO", (st.st_mode & LKM_S_IFMT) == LKM_S_IFIFO, "mode", static_cast<long>(st.st_mode));
    ret = sc(sys::NR_open, p(name), LKM_O_WRONLY | LKM_O_NONBLOCK, 0);
    check("FIFO O_WRONLY|O_NONBLOCK without a reader: ENXIO", ret == -LKM_ENXIO, "got", ret);
    long reader = sc(sys::NR_open, p(name), LKM_O_RDONLY | LKM_O_NONBLOCK, 0);
    check("FIFO O_RDONLY|O_NONBLOCK opens at once", reader >= 0, "got", reader);
    lkm_pollfd pfd { static_cast<int32_t>(reader), LKM_POLLIN, 0 };
    ret = poll(&pfd, 1, 0);
    check("no POLLHUP before a writer came", ret == 0, "revents", pfd.revents);
    long writer = sc(sys::NR_open, p(name), LKM_O_WRONLY, 0);
    check("FIFO O_WRONLY with a reader opens", writer >= 0, "got", writer);
    ret = wr(writer, "fifo", 4);
    long got = rd(reader, g_in, 16);
    check("through the FIFO", ret == 4 && got == 4 && g_in[0] == 'f' && g_in[3] == 'o', "got", got);
    close_fd(writer);
    ret = poll(&pfd, 1, 0);
    check("POLLHUP once the writer went", ret == 1 && pfd.revents == LKM_POLLHUP, "revents", pfd.revents);
    close_fd(reader);
    long both = sc(sys::NR_open, p(name), LKM_O_RDWR, 0);
    check("FIFO O_RDWR does not wait", both >= 0 && wr(both, "1", 1) == 1 && rd(both, g_in, 1) == 1, "got", both);
    close_fd(both);
    sc(sys::NR_unlink, p(name));
}

// --- with a second process ---

long fork() { return sc(sys::NR_fork); }
long wait_for(long pid, int* status) { return sc(sys::NR_wait4, pid, p(status), 0, 0); }

void nap_ms(long ms)
{
    lkm_timespec ts { 0, ms * 1000000 };
    sc(sys::NR_nanosleep, p(&ts), 0);
}

[[noreturn]] void child_exit(int code)
{
    sc(sys::NR_exit_group, code);
    __builtin_unreachable();
}

void check_with_child()
{
    int fds[2];
    pipe2(fds, 0);
    long pid = fork();
    if (pid == 0) {
        close_fd(fds[0]);
        nap_ms(20);
        wr(fds[1], "wake", 4);
        child_exit(0);
    }
    close_fd(fds[1]);
    long start = now_ms();
    long ret = rd(fds[0], g_in, 16);
    long waited = now_ms() - start;
    check("a blocked read woken by the child's write", pid > 0 && ret == 4 && g_in[0] == 'w', "got", ret);
    check("after the child's 20 ms", waited >= 20, "waited", waited);
    ret = rd(fds[0], g_in, 16);
    check("then EOF when the child exited", ret == 0, "got", ret);
    int status = -1;
    ret = wait_for(pid, &status);
    check("the child exited 0", ret == pid && status == 0, "status", status);
    close_fd(fds[0]);

    // A blocked poll woken by a write.
    pipe2(fds, 0);
    pid = fork();
    if (pid == 0) {
        nap_ms(8);
        wr(fds[1], "p", 1);
        child_exit(0);
    }
    lkm_pollfd pfd { fds[0], LKM_POLLIN, 0 };
    ret = poll(&pfd, 1, 1000);
    check("a blocked poll woken by the child's write", ret == 1 && pfd.revents == LKM_POLLIN, "got", ret);
    wait_for(pid, &status);
    close_fd(fds[0]);
    close_fd(fds[1]);

    // A writer blocked on a full pipe goes on when the reader drains it.
    pipe2(fds, 0);
    pid = fork();
    if (pid == 0) {
        close_fd(fds[0]);
        long total = 0;
        for (int n = 0; n < 20; n++)
            total += wr(fds[1], g_out, 4096);
        child_exit(total == 20 * 4096 ? 0 : 1);
    }
    close_fd(fds[1]);
    nap_ms(8);
    long total = 0;
    while ((ret = rd(fds[0], g_in, 4096)) > 0)
        total += ret;
    wait_for(pid, &status);
    check("a blocked writer finishes as the reader drains: 81920 bytes", total == 20 * 4096 && status == 0, "got", total);
    close_fd(fds[0]);

    // A blocked read and a signal: EINTR without SA_RESTART; with it, the read starts again and
    // gets what the child writes after the signal.
    pipe2(fds, 0);
    for (int restart = 0; restart < 2; restart++) {
        install(LKM_SIGUSR1, on_sigusr1, restart ? LKM_SA_RESTART : 0);
        g_usr1_seen = {};
        pid = fork();
        if (pid == 0) {
            nap_ms(8);
            sc(sys::NR_kill, sc(sys::NR_getppid), LKM_SIGUSR1);
            nap_ms(8);
            wr(fds[1], "r", 1);
            child_exit(0);
        }
        ret = rd(fds[0], g_in, 16);
        if (!restart) {
            check("a blocked read interrupted by a signal: EINTR", ret == -LKM_EINTR && g_usr1_seen.runs == 1, "got", ret);
            rd(fds[0], g_in, 16); // the child's byte
        } else {
            check("with SA_RESTART the read goes on", ret == 1 && g_in[0] == 'r' && g_usr1_seen.runs == 1, "got", ret);
        }
        wait_for(pid, &status);
    }
    set_default(LKM_SIGUSR1);
    close_fd(fds[0]);
    close_fd(fds[1]);

    // SIGPIPE's default action kills the writer: the child writes after both ends here closed.
    pipe2(fds, 0);
    pid = fork();
    if (pid == 0) {
        close_fd(fds[0]);
        nap_ms(8);
        wr(fds[1], "x", 1);
        child_exit(7); // not reached
    }
    close_fd(fds[0]);
    close_fd(fds[1]);
    ret = wait_for(pid, &status);
    check("SIGPIPE's default action kills the writer", ret == pid && status == LKM_SIGPIPE, "status", status);
}

// /proc/meminfo's text, NUL-terminated, or -errno.
long meminfo(char* buf, size_t size)
{
    long fd = sc(sys::NR_open, p("/proc/meminfo"), LKM_O_RDONLY, 0);
    if (fd < 0)
        return fd;
    long n = rd(fd, buf, size - 1);
    close_fd(fd);
    if (n >= 0)
        buf[n] = 0;
    return n;
}

bool same(const char* a, const char* b, long n)
{
    for (long i = 0; i < n; i++) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

} // namespace

void run_pipe_selftest()
{
    selftest_log log("pipe");
    g_log = &log;
    for (size_t n = 0; n < sizeof g_out; n++)
        g_out[n] = static_cast<char>('a' + n % 26);
    for (char& c : g_in)
        c = 0;
    // Before the baseline: pipefs's superblock is made by the first pipe; the first names made
    // may grow the dentry hash table, which stays grown; init's first handler makes its own
    // handler table, and the first delivery maps the stack page its frame goes on.
    {
        install(LKM_SIGUSR1, on_sigusr1);
        sc(sys::NR_kill, getpid(), LKM_SIGUSR1);
        set_default(LKM_SIGUSR1);
        int fds[2];
        pipe2(fds, 0);
        close_fd(fds[0]);
        close_fd(fds[1]);
        sc(sys::NR_mknod, p(k_regular), LKM_S_IFIFO | 0600, 0);
        sc(sys::NR_unlink, p(k_regular));
    }
    char before[256] = {}, after[256] = {};
    meminfo(before, sizeof before); // the first lookup of /proc/meminfo makes its dentry and inode
    long before_len = meminfo(before, sizeof before);
    check_round_trip();
    check_epipe();
    check_nonblocking();
    check_atomicity();
    check_fcntl_and_dup();
    check_poll();
    check_select();
    check_sigmask_swap();
    check_fifo();
    long after_len = meminfo(after, sizeof after);
    check("meminfo back to baseline", before_len > 0 && after_len == before_len && same(before, after, before_len), "got", after_len);
    check_with_child();
    log.done();
    g_log = nullptr;
}

} // namespace init
