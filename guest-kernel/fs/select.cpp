// poll, ppoll, select and pselect6 (Linux's fs/select.c): ask every descriptor's ->poll what is
// ready; while nothing is, sleep on every wait queue the ->poll calls named (poll_wait) until a
// wake-up, a signal or the timeout, then ask again. The first pass queues the task; the later
// ones, and every pass after something was found ready, only ask (_qproc cleared).
//
// The passes run in TASK_INTERRUPTIBLE, so a wake-up between a ->poll and the sleep makes the
// sleep return at once (one CPU, no preemption in the kernel): a ->poll must not sleep.
// Timeouts are guest jiffies, rounded up to a tick, as nanosleep's.
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/poll.h>
#include <lkmemu/time.h>
#include <asm/uaccess.h>
#include <kernel/poll.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/slab.h>
#include <kernel/syscalls.h>
#include <kernel/time.h>
#include <kernel/wait.h>

unsigned vfs_poll(file* f, poll_table* pt)
{
    if (!f->f_op || !f->f_op->poll)
        return DEFAULT_POLLMASK;
    return f->f_op->poll(f, pt);
}

namespace {

constexpr u64 NSEC_PER_SEC = 1000000000ull, NSEC_PER_USEC = 1000, USEC_PER_SEC = 1000000;
constexpr u64 NSEC_PER_TICK = NSEC_PER_SEC / HZ;
constexpr u64 MAX_TIMEOUT_SECONDS = 86400ull * 365; // longer waits wait a year: jiffies cannot wrap

// One wait queue the polling task is on, and the file whose ->poll named it (held, so that the
// queue outlives the wait even if the descriptor is closed meanwhile).
struct poll_table_entry {
    file* filp;
    wait_queue_head* wait_address;
    wait_queue_entry wait;
};

// Entries are queued in place, so they never move: a chain of page-sized blocks, as many as
// the descriptors' ->poll calls need (Linux's poll_table_page).
struct poll_table_page;
constexpr size_t POLL_PAGE_ENTRIES = (4096 - 2 * sizeof(void*)) / sizeof(poll_table_entry);
struct poll_table_page {
    poll_table_page* next;
    size_t used;
    poll_table_entry entries[POLL_PAGE_ENTRIES];
};

void pollwait(file* f, wait_queue_head* wq, poll_table* pt);

// Every queue one poll/select is on (Linux's poll_wqueues); off them all at scope end.
struct poll_wqueues {
    poll_table pt; // first: pollwait finds the poll_wqueues from it
    poll_table_page* table = nullptr;
    int error = 0; // ENOMEM from a pollwait that could not queue

    poll_wqueues() { init_poll_funcptr(&pt, pollwait); }
    poll_wqueues(const poll_wqueues&) = delete;
    poll_wqueues& operator=(const poll_wqueues&) = delete;
    ~poll_wqueues()
    {
        while (poll_table_page* page = table) {
            for (size_t n = 0; n < page->used; n++) {
                poll_table_entry* e = &page->entries[n];
                remove_wait_queue(e->wait_address, &e->wait);
                fput(e->filp);
            }
            table = page->next;
            kfree(page);
        }
    }
};

void pollwait(file* f, wait_queue_head* wq, poll_table* pt)
{
    auto* pwq = reinterpret_cast<poll_wqueues*>(pt);
    poll_table_page* page = pwq->table;
    if (!page || page->used == POLL_PAGE_ENTRIES) {
        auto* fresh = static_cast<poll_table_page*>(kmalloc(sizeof(poll_table_page)));
        if (!fresh) {
            pwq->error = -LKM_ENOMEM;
            return;
        }
        fresh->next = page;
        pwq->table = page = fresh;
    }
    poll_table_entry* e = &page->entries[page->used++];
    e->filp = get_file(f);
    e->wait_address = wq;
    init_wait_entry(&e->wait, 0);
    add_wait_queue(wq, &e->wait);
}

// When the wait ends, in jiffies; none for "forever" (a null timeout, or poll's negative one).
struct poll_deadline {
    bool forever = true;
    u64 end = 0;     // jiffies
    bool zero = false; // a zero timeout: one pass, never queued, no time-left update

    static poll_deadline after_ns(u64 seconds, u64 nsec)
    {
        poll_deadline d;
        d.forever = false;
        d.zero = !seconds && !nsec;
        seconds = min(seconds, MAX_TIMEOUT_SECONDS);
        d.end = jiffies + seconds * HZ + (nsec + NSEC_PER_TICK - 1) / NSEC_PER_TICK;
        return d;
    }
    u64 ns_left() const
    {
        s64 left = static_cast<s64>(end - jiffies);
        return left > 0 ? static_cast<u64>(left) * NSEC_PER_TICK : 0;
    }
};

// Sleep until a wake-up, a signal or the deadline; false once the deadline has passed.
bool poll_schedule_timeout(const poll_deadline& deadline)
{
    if (deadline.forever) {
        schedule_timeout(MAX_SCHEDULE_TIMEOUT);
        return true;
    }
    s64 left = static_cast<s64>(deadline.end - jiffies);
    if (left <= 0)
        return false;
    return schedule_timeout(left) != 0;
}

lkm::ErrorOr<void> timeout_from_timespec(u64 tsp, poll_deadline* deadline)
{
    if (!tsp)
        return {};
    lkm_timespec ts;
    if (copy_from_user(&ts, tsp, sizeof ts))
        return lkm::Error::from_errno(LKM_EFAULT, "poll: timespec");
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || static_cast<u64>(ts.tv_nsec) >= NSEC_PER_SEC)
        return lkm::Error::from_errno(LKM_EINVAL, "poll: timespec out of range");
    *deadline = poll_deadline::after_ns(static_cast<u64>(ts.tv_sec), static_cast<u64>(ts.tv_nsec));
    return {};
}

// ppoll/pselect6's mask for the wait (Linux's set_user_sigmask): the old one is saved for the
// signal code, which puts it back after a handler ran (the rt_sigsuspend convention).
long set_user_sigmask(u64 umask, size_t sigsetsize)
{
    if (!umask)
        return 0;
    if (sigsetsize != sizeof(sigset_t))
        return -LKM_EINVAL;
    sigset_t set;
    if (copy_from_user(&set, umask, sizeof set))
        return -LKM_EFAULT;
    task_struct* t = current();
    t->saved_sigmask = t->blocked;
    t->restore_sigmask = true;
    set_current_blocked(set);
    return 0;
}

enum class poll_time_type { timeval, timespec };

// The end of every call (Linux's poll_select_finish): the mask back unless a signal is to be
// delivered with the saved one; the time left written back, without which the call cannot
// restart (a read-only timeout: EINTR instead).
long poll_select_finish(const poll_deadline& deadline, u64 p, poll_time_type type, long ret)
{
    if (ret != -ERESTARTNOHAND)
        restore_saved_sigmask();
    if (!p || deadline.forever || deadline.zero)
        return ret;
    u64 left = deadline.ns_left();
    bool copied;
    if (type == poll_time_type::timeval) {
        lkm_timeval tv { static_cast<s64>(left / NSEC_PER_SEC), static_cast<s64>(left % NSEC_PER_SEC / NSEC_PER_USEC) };
        copied = !copy_to_user(p, &tv, sizeof tv);
    } else {
        lkm_timespec ts { static_cast<s64>(left / NSEC_PER_SEC), static_cast<s64>(left % NSEC_PER_SEC) };
        copied = !copy_to_user(p, &ts, sizeof ts);
    }
    if (!copied && ret == -ERESTARTNOHAND)
        ret = -LKM_EINTR;
    return ret;
}

// --- poll ---------------------------------------------------------------------------------------

unsigned do_pollfd(lkm_pollfd* pollfd, poll_table* pt)
{
    if (pollfd->fd < 0)
        return 0;
    file* f = fget_checked(pollfd->fd, false);
    if (!f)
        return POLLNVAL;
    // POLLERR and POLLHUP are reported whether asked for or not.
    unsigned filter = static_cast<u16>(pollfd->events) | POLLERR | POLLHUP;
    pt->_key = filter;
    return vfs_poll(f, pt) & filter;
}

// The number of descriptors with events, or -ERESTARTNOHAND / -ENOMEM.
long do_poll(lkm_pollfd* fds, size_t nfds, poll_wqueues& wait, const poll_deadline& deadline)
{
    poll_table* pt = &wait.pt;
    bool timed_out = deadline.zero;
    if (timed_out)
        pt->_qproc = nullptr;
    long count = 0;
    for (;;) {
        set_current_state(TASK_INTERRUPTIBLE);
        for (size_t n = 0; n < nfds; n++) {
            unsigned mask = do_pollfd(&fds[n], pt);
            fds[n].revents = static_cast<s16>(mask);
            if (mask) {
                count++;
                pt->_qproc = nullptr; // something is ready: no more queueing
            }
        }
        pt->_qproc = nullptr;
        if (!count) {
            count = wait.error;
            if (signal_pending(current()))
                count = -ERESTARTNOHAND;
        }
        if (count || timed_out)
            break;
        timed_out = !poll_schedule_timeout(deadline);
    }
    __set_current_state(TASK_RUNNING);
    return count;
}

long do_sys_poll(u64 ufds, unsigned nfds, const poll_deadline& deadline)
{
    if (nfds > rlimit_nofile())
        return -LKM_EINVAL;
    size_t bytes = static_cast<size_t>(nfds) * sizeof(lkm_pollfd);
    KBuffer<lkm_pollfd> fds(nfds ? nfds : 1);
    if (!fds)
        return -LKM_ENOMEM;
    if (copy_from_user(fds.get(), ufds, bytes))
        return -LKM_EFAULT;
    long ret;
    {
        poll_wqueues wait;
        ret = do_poll(fds.get(), nfds, wait, deadline);
    }
    // Only revents goes back, as Linux writes it: the rest of the caller's array is untouched.
    for (size_t n = 0; n < nfds; n++) {
        u64 at = ufds + n * sizeof(lkm_pollfd) + __builtin_offsetof(lkm_pollfd, revents);
        if (copy_to_user(at, &fds.get()[n].revents, sizeof(s16)))
            return -LKM_EFAULT;
    }
    return ret;
}

// --- select -------------------------------------------------------------------------------------

constexpr unsigned POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
constexpr unsigned POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
constexpr unsigned POLLEX_SET = POLLPRI;
constexpr unsigned BITS = 64;

// The three sets asked about and the three answered, words each (Linux's fd_set_bits).
struct fd_set_bits {
    size_t words;
    KBuffer<u64> bits; // in, out, ex, res_in, res_out, res_ex
    u64* in() const { return bits.get(); }
    u64* out() const { return bits.get() + words; }
    u64* ex() const { return bits.get() + 2 * words; }
    u64* res_in() const { return bits.get() + 3 * words; }
    u64* res_out() const { return bits.get() + 4 * words; }
    u64* res_ex() const { return bits.get() + 5 * words; }
};

bool get_fd_set(size_t words, u64 ufdset, u64* fdset)
{
    if (!ufdset) {
        __builtin_memset(fdset, 0, words * sizeof(u64));
        return true;
    }
    return !copy_from_user(fdset, ufdset, words * sizeof(u64));
}

bool set_fd_set(size_t words, u64 ufdset, const u64* fdset)
{
    return !ufdset || !copy_to_user(ufdset, fdset, words * sizeof(u64));
}

// Every descriptor named in a set must be open: EBADF otherwise (Linux's max_select_fd).
bool select_fds_open(const fd_set_bits& fds, unsigned n)
{
    for (size_t w = 0; w < fds.words; w++) {
        u64 set = fds.in()[w] | fds.out()[w] | fds.ex()[w];
        if (w == fds.words - 1 && n % BITS)
            set &= (1ull << (n % BITS)) - 1;
        for (; set; set &= set - 1) {
            unsigned fd = static_cast<unsigned>(w * BITS + static_cast<unsigned>(__builtin_ctzll(set)));
            if (!fget_checked(static_cast<int>(fd), false))
                return false;
        }
    }
    return true;
}

long do_select(unsigned n, fd_set_bits& fds, const poll_deadline& deadline)
{
    if (!select_fds_open(fds, n))
        return -LKM_EBADF;
    poll_wqueues wait;
    poll_table* pt = &wait.pt;
    bool timed_out = deadline.zero;
    if (timed_out)
        pt->_qproc = nullptr;
    long retval = 0;
    for (;;) {
        set_current_state(TASK_INTERRUPTIBLE);
        for (size_t w = 0; w < fds.words; w++) {
            u64 in = fds.in()[w], out = fds.out()[w], ex = fds.ex()[w];
            u64 all = in | out | ex;
            if (w == fds.words - 1 && n % BITS)
                all &= (1ull << (n % BITS)) - 1;
            u64 res_in = 0, res_out = 0, res_ex = 0;
            for (; all; all &= all - 1) {
                unsigned bit = static_cast<unsigned>(__builtin_ctzll(all));
                u64 m = 1ull << bit;
                file* f = fget_checked(static_cast<int>(w * BITS + bit), false);
                if (!f)
                    continue; // closed since the check: nothing to report
                pt->_key = ((in & m) ? POLLIN_SET : 0) | ((out & m) ? POLLOUT_SET : 0) | ((ex & m) ? POLLEX_SET : 0);
                unsigned mask = vfs_poll(f, pt);
                if ((in & m) && (mask & POLLIN_SET)) {
                    res_in |= m;
                    retval++;
                    pt->_qproc = nullptr;
                }
                if ((out & m) && (mask & POLLOUT_SET)) {
                    res_out |= m;
                    retval++;
                    pt->_qproc = nullptr;
                }
                if ((ex & m) && (mask & POLLEX_SET)) {
                    res_ex |= m;
                    retval++;
                    pt->_qproc = nullptr;
                }
            }
            fds.res_in()[w] = res_in;
            fds.res_out()[w] = res_out;
            fds.res_ex()[w] = res_ex;
        }
        pt->_qproc = nullptr;
        if (retval || timed_out)
            break;
        if (wait.error) {
            retval = wait.error;
            break;
        }
        if (signal_pending(current())) {
            retval = -ERESTARTNOHAND;
            break;
        }
        timed_out = !poll_schedule_timeout(deadline);
    }
    __set_current_state(TASK_RUNNING);
    return retval;
}

long core_sys_select(int n, u64 inp, u64 outp, u64 exp, const poll_deadline& deadline)
{
    if (n < 0)
        return -LKM_EINVAL;
    // Bits beyond the descriptor table cannot name open files: Linux trims n to it.
    unsigned max_fds = current_files()->max_fds;
    unsigned nfds = min(static_cast<unsigned>(n), max_fds);
    fd_set_bits fds;
    fds.words = (nfds + BITS - 1) / BITS;
    fds.bits = KBuffer<u64>(fds.words ? 6 * fds.words : 1);
    if (!fds.bits)
        return -LKM_ENOMEM;
    if (!get_fd_set(fds.words, inp, fds.in()) || !get_fd_set(fds.words, outp, fds.out()) ||
        !get_fd_set(fds.words, exp, fds.ex()))
        return -LKM_EFAULT;
    long ret = do_select(nfds, fds, deadline);
    if (ret < 0)
        return ret;
    if (!set_fd_set(fds.words, inp, fds.res_in()) || !set_fd_set(fds.words, outp, fds.res_out()) ||
        !set_fd_set(fds.words, exp, fds.res_ex()))
        return -LKM_EFAULT;
    return ret;
}

} // namespace

long sys_poll(u64 ufds, unsigned nfds, int timeout_msecs)
{
    poll_deadline deadline;
    if (timeout_msecs >= 0)
        deadline = poll_deadline::after_ns(static_cast<u64>(timeout_msecs) / 1000,
                                           static_cast<u64>(timeout_msecs) % 1000 * 1000000);
    long ret = do_sys_poll(ufds, nfds, deadline);
    // Linux restarts a poll with a timeout through restart_syscall with the time left; lkmemu
    // has no restart block, so such a poll ends with EINTR (a poll without one restarts).
    if (ret == -ERESTARTNOHAND && !deadline.forever)
        ret = -LKM_EINTR;
    return ret;
}

long sys_ppoll(u64 ufds, unsigned nfds, u64 tsp, u64 sigmask, size_t sigsetsize)
{
    poll_deadline deadline;
    if (auto result = timeout_from_timespec(tsp, &deadline); result.is_error())
        return -result.error().code;
    if (long error = set_user_sigmask(sigmask, sigsetsize))
        return error;
    long ret = do_sys_poll(ufds, nfds, deadline);
    return poll_select_finish(deadline, tsp, poll_time_type::timespec, ret);
}

long sys_select(int n, u64 inp, u64 outp, u64 exp, u64 tvp)
{
    poll_deadline deadline;
    if (tvp) {
        lkm_timeval tv;
        if (copy_from_user(&tv, tvp, sizeof tv))
            return -LKM_EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0)
            return -LKM_EINVAL;
        // Microseconds past a second carry over, as Linux's select takes them.
        u64 usec = static_cast<u64>(tv.tv_usec);
        u64 seconds = min(static_cast<u64>(tv.tv_sec), MAX_TIMEOUT_SECONDS) + usec / USEC_PER_SEC;
        deadline = poll_deadline::after_ns(seconds, usec % USEC_PER_SEC * NSEC_PER_USEC);
    }
    long ret = core_sys_select(n, inp, outp, exp, deadline);
    return poll_select_finish(deadline, tvp, poll_time_type::timeval, ret);
}

long sys_pselect6(int n, u64 inp, u64 outp, u64 exp, u64 tsp, u64 sig)
{
    poll_deadline deadline;
    if (auto result = timeout_from_timespec(tsp, &deadline); result.is_error())
        return -result.error().code;
    // sig is { const sigset_t* ss; size_t ss_len; } (it does not fit in the sixth register).
    if (sig) {
        struct {
            u64 ss;
            u64 ss_len;
        } data;
        if (copy_from_user(&data, sig, sizeof data))
            return -LKM_EFAULT;
        if (long error = set_user_sigmask(data.ss, data.ss_len))
            return error;
    }
    long ret = core_sys_select(n, inp, outp, exp, deadline);
    return poll_select_finish(deadline, tsp, poll_time_type::timespec, ret);
}
