// poll and select's side of a driver (Linux's include/linux/poll.h): a file's ->poll reports
// the POLL* events ready now and, through poll_wait, names every wait queue whose wake_up may
// change them; poll/select (fs/select.cpp) sleep on all those queues at once until one wakes
// or the timeout passes, then ask every ->poll again. A wake-up is a hint: the answer is always
// the second ->poll.
#pragma once

#include <lkmemu/poll.h>
#include <kernel/types.h>

struct file;
struct wait_queue_head;
struct poll_table_struct;

constexpr unsigned POLLIN = LKM_POLLIN, POLLPRI = LKM_POLLPRI, POLLOUT = LKM_POLLOUT, POLLERR = LKM_POLLERR,
                   POLLHUP = LKM_POLLHUP, POLLNVAL = LKM_POLLNVAL, POLLRDNORM = LKM_POLLRDNORM,
                   POLLRDBAND = LKM_POLLRDBAND, POLLWRNORM = LKM_POLLWRNORM, POLLWRBAND = LKM_POLLWRBAND,
                   POLLMSG = LKM_POLLMSG, POLLRDHUP = LKM_POLLRDHUP;

// What a file without ->poll is: always ready both ways (regular files, /dev/null).
constexpr unsigned DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

// Called by poll_wait for each queue: select.cpp's adds the polling task to it.
using poll_queue_proc = void (*)(file* f, wait_queue_head* wq, poll_table_struct* pt);

// nullptr _qproc: the caller only wants the events (the second and later passes of a poll that
// is already queued everywhere, or a poll that will not sleep).
struct poll_table_struct {
    poll_queue_proc _qproc;
    unsigned _key; // the events the caller wants (a driver may skip queues that cannot matter)
};
using poll_table = poll_table_struct;

inline void init_poll_funcptr(poll_table* pt, poll_queue_proc qproc)
{
    pt->_qproc = qproc;
    pt->_key = ~0u;
}

// In a ->poll: queue the poller on wq (a no-op when it only asks).
inline void poll_wait(file* f, wait_queue_head* wq, poll_table* pt)
{
    if (pt && pt->_qproc && wq)
        pt->_qproc(f, wq, pt);
}

inline bool poll_does_not_wait(const poll_table* pt) { return !pt || !pt->_qproc; }
inline unsigned poll_requested_events(const poll_table* pt) { return pt ? pt->_key : ~0u; }

// f's ->poll, or DEFAULT_POLLMASK when it has none (fs/select.cpp).
unsigned vfs_poll(file* f, poll_table* pt);
