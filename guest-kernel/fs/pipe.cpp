// Pipes and FIFOs (Linux's fs/pipe.c): pipe(2)/pipe2(2) make two files on one pipe_inode_info of
// an internal pipefs inode; open(2) of a FIFO finds (or makes) the pipe of its ramfs inode. Data
// lives in a ring of page buffers (include/kernel/pipe_fs_i.h). A read blocks while the pipe is
// empty and has writers (none: EOF); a write blocks while it is full and has readers (none: EPIPE
// and SIGPIPE). A write of at most PIPE_BUF bytes lands whole or not at all. Sleeps are
// interruptible: -ERESTARTSYS when nothing was transferred yet (restarted under SA_RESTART).
#include "internal.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <lkmemu/termios.h>
#include <asm/uaccess.h>
#include <kernel/cred.h>
#include <kernel/panic.h>
#include <kernel/pipe_fs_i.h>
#include <kernel/poll.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/slab.h>
#include <kernel/syscalls.h>

namespace {

constexpr size_t PAGE = 4096;

const file_system_type pipefs_fs_type = { "pipefs", 0x50495045 /* PIPEFS_MAGIC */ };
super_block* g_pipe_sb; // made at boot (init_pipe_fs), so a first pipe allocates nothing that stays

super_block* pipe_sb() { return g_pipe_sb; }

bool reads(const file* f) { return (f->f_flags & O_ACCMODE) != O_WRONLY; }
bool writes(const file* f) { return (f->f_flags & O_ACCMODE) != O_RDONLY; }

void wake_up_interruptible_all(wait_queue_head* wq) { __wake_up(wq, TASK_INTERRUPTIBLE, 0); }

pipe_inode_info* alloc_pipe_info()
{
    auto* pipe = static_cast<pipe_inode_info*>(kmalloc(sizeof(pipe_inode_info)));
    if (!pipe)
        return nullptr;
    pipe->bufs = static_cast<pipe_buffer*>(kmalloc(PIPE_DEF_BUFFERS * sizeof(pipe_buffer)));
    if (!pipe->bufs) {
        kfree(pipe);
        return nullptr;
    }
    mutex_init(&pipe->lock);
    init_waitqueue_head(&pipe->rd_wait);
    init_waitqueue_head(&pipe->wr_wait);
    pipe->ring_size = pipe->max_usage = PIPE_DEF_BUFFERS;
    pipe->r_counter = pipe->w_counter = 1;
    return pipe;
}

void free_pipe_info(pipe_inode_info* pipe)
{
    for (unsigned n = pipe->tail; n != pipe->head; n++)
        free_page(pipe->bufs[n & (pipe->ring_size - 1)].page);
    if (pipe->tmp_page)
        free_page(pipe->tmp_page);
    kfree(pipe->bufs);
    kfree(pipe);
}

// A drained buffer's page: kept for the next write if none is, else freed.
void release_buffer(pipe_inode_info* pipe, pipe_buffer* buf)
{
    if (!pipe->tmp_page)
        pipe->tmp_page = buf->page;
    else
        free_page(buf->page);
    buf->page = 0;
}

bool pipe_readable(const pipe_inode_info* pipe) { return !pipe_empty(pipe->head, pipe->tail) || !pipe->writers; }
bool pipe_writable(const pipe_inode_info* pipe)
{
    return !pipe_full(pipe->head, pipe->tail, pipe->max_usage) || !pipe->readers;
}

ssize_t pipe_read(file* f, u64 ubuf, size_t total_len)
{
    if (!total_len)
        return 0;
    auto* pipe = static_cast<pipe_inode_info*>(f->private_data);
    mutex_lock(&pipe->lock);
    ssize_t ret = 0;
    for (;;) {
        bool freed = false;
        while (!pipe_empty(pipe->head, pipe->tail) && static_cast<size_t>(ret) < total_len) {
            pipe_buffer* buf = &pipe->bufs[pipe->tail & (pipe->ring_size - 1)];
            size_t chars = min(static_cast<size_t>(buf->len), total_len - static_cast<size_t>(ret));
            size_t left = copy_to_user(ubuf + static_cast<u64>(ret), static_cast<u8*>(__va(buf->page)) + buf->offset, chars);
            size_t done = chars - left;
            ret += static_cast<ssize_t>(done);
            buf->offset += static_cast<u32>(done);
            buf->len -= static_cast<u32>(done);
            if (!buf->len) {
                release_buffer(pipe, buf);
                pipe->tail++;
                freed = true;
            }
            if (left) {
                if (!ret)
                    ret = -LKM_EFAULT;
                break;
            }
        }
        if (freed)
            wake_up_interruptible_all(&pipe->wr_wait); // room for the writers
        if (ret)
            break;
        if (!pipe->writers)
            break; // EOF
        if (f->f_flags & O_NONBLOCK) {
            ret = -LKM_EAGAIN;
            break;
        }
        mutex_unlock(&pipe->lock);
        if (wait_event_interruptible(pipe->rd_wait, [pipe] { return pipe_readable(pipe); }) < 0)
            return -ERESTARTSYS;
        mutex_lock(&pipe->lock);
    }
    mutex_unlock(&pipe->lock);
    return ret;
}

// SIGPIPE as Linux's send_sig(SIGPIPE, current, 0) sends it: from the writer itself.
void send_sigpipe()
{
    lkm_siginfo info {};
    info.si_signo = SIGPIPE;
    info.si_code = LKM_SI_USER;
    info.si_pid = current()->tgid;
    info.si_uid = current()->uid;
    send_sig_info(SIGPIPE, &info, current());
}

ssize_t pipe_write(file* f, u64 ubuf, size_t total_len)
{
    if (!total_len)
        return 0; // a null write succeeds, reader or not
    auto* pipe = static_cast<pipe_inode_info*>(f->private_data);
    mutex_lock(&pipe->lock);
    ssize_t ret = 0;
    if (!pipe->readers) {
        send_sigpipe();
        mutex_unlock(&pipe->lock);
        return -LKM_EPIPE;
    }
    // The part beyond whole pages goes after the last buffer's data if it fits there, so that
    // small writes share a page (and a write of at most PIPE_BUF bytes is never split).
    size_t chars = total_len & (PAGE - 1);
    if (chars && !pipe_empty(pipe->head, pipe->tail)) {
        pipe_buffer* buf = &pipe->bufs[(pipe->head - 1) & (pipe->ring_size - 1)];
        size_t offset = buf->offset + buf->len;
        if (buf->can_merge && offset + chars <= PAGE) {
            if (copy_from_user(static_cast<u8*>(__va(buf->page)) + offset, ubuf, chars)) {
                mutex_unlock(&pipe->lock);
                return -LKM_EFAULT;
            }
            buf->len += static_cast<u32>(chars);
            ret = static_cast<ssize_t>(chars);
        }
    }
    while (static_cast<size_t>(ret) < total_len) {
        if (!pipe->readers) {
            send_sigpipe();
            if (!ret)
                ret = -LKM_EPIPE;
            break;
        }
        if (!pipe_full(pipe->head, pipe->tail, pipe->max_usage)) {
            u64 page = pipe->tmp_page;
            if (!page) {
                auto fresh = alloc_pages(1, page_contents::uninitialised);
                if (fresh.is_error()) {
                    if (!ret)
                        ret = -LKM_ENOMEM;
                    break;
                }
                page = fresh.value();
            }
            pipe->tmp_page = 0;
            size_t copy = min(PAGE, total_len - static_cast<size_t>(ret));
            if (copy_from_user(__va(page), ubuf + static_cast<u64>(ret), copy)) {
                pipe->tmp_page = page;
                if (!ret)
                    ret = -LKM_EFAULT;
                break;
            }
            pipe->bufs[pipe->head & (pipe->ring_size - 1)] = { page, 0, static_cast<u32>(copy), true };
            pipe->head++;
            ret += static_cast<ssize_t>(copy);
            continue;
        }
        // Full.
        if (f->f_flags & O_NONBLOCK) {
            if (!ret)
                ret = -LKM_EAGAIN;
            break;
        }
        if (signal_pending(current())) {
            if (!ret)
                ret = -ERESTARTSYS;
            break;
        }
        mutex_unlock(&pipe->lock);
        wake_up_interruptible_all(&pipe->rd_wait); // what is written so far, for the readers
        wait_event_interruptible(pipe->wr_wait, [pipe] { return pipe_writable(pipe); });
        mutex_lock(&pipe->lock);
    }
    mutex_unlock(&pipe->lock);
    if (ret > 0)
        wake_up_interruptible_all(&pipe->rd_wait);
    return ret;
}

unsigned pipe_poll(file* f, poll_table* wait)
{
    auto* pipe = static_cast<pipe_inode_info*>(f->private_data);
    if (reads(f))
        poll_wait(f, &pipe->rd_wait, wait);
    if (writes(f))
        poll_wait(f, &pipe->wr_wait, wait);
    unsigned mask = 0;
    if (reads(f)) {
        if (!pipe_empty(pipe->head, pipe->tail))
            mask |= POLLIN | POLLRDNORM;
        if (!pipe->writers && f->f_version != pipe->w_counter)
            mask |= POLLHUP;
    }
    if (writes(f)) {
        if (!pipe_full(pipe->head, pipe->tail, pipe->max_usage))
            mask |= POLLOUT | POLLWRNORM;
        if (!pipe->readers)
            mask |= POLLERR; // a write would get EPIPE
    }
    return mask;
}

void pipe_release(file* f)
{
    auto* pipe = static_cast<pipe_inode_info*>(f->private_data);
    mutex_lock(&pipe->lock);
    if (reads(f))
        pipe->readers--;
    if (writes(f))
        pipe->writers--;
    // The other side learns of it: EOF for readers, EPIPE for writers, POLLHUP / POLLERR.
    if (!pipe->readers != !pipe->writers) {
        wake_up_interruptible_all(&pipe->rd_wait);
        wake_up_interruptible_all(&pipe->wr_wait);
    }
    bool last = --pipe->files == 0;
    if (last && f->f_opened && f->f_opened->i_pipe == pipe)
        f->f_opened->i_pipe = nullptr; // a FIFO: the next open makes a fresh pipe
    mutex_unlock(&pipe->lock);
    if (last)
        free_pipe_info(pipe);
}

// FIFOs: wait until the other side's counter moves (Linux's wait_for_partner).
int wait_for_partner(pipe_inode_info* pipe, const unsigned* counter)
{
    unsigned seen = *counter;
    mutex_unlock(&pipe->lock);
    int error = wait_event_interruptible(pipe->rd_wait, [&] { return *counter != seen; });
    mutex_lock(&pipe->lock);
    return error;
}

void wake_up_partner(pipe_inode_info* pipe) { wake_up_interruptible_all(&pipe->rd_wait); }

// A FIFO open (Linux's fifo_open): a reader waits for a writer and a writer for a reader, unless
// O_NONBLOCK (then a reader goes on, a writer fails with ENXIO); O_RDWR never waits.
int fifo_open(file* f)
{
    inode* i = f->f_opened;
    pipe_inode_info* pipe = i->i_pipe;
    bool fresh = !pipe;
    if (fresh) {
        pipe = alloc_pipe_info();
        if (!pipe)
            return -LKM_ENOMEM;
        i->i_pipe = pipe;
    }
    f->private_data = pipe;
    mutex_lock(&pipe->lock);
    pipe->files++;
    int error = 0;
    switch (f->f_flags & O_ACCMODE) {
    case O_RDONLY:
        pipe->r_counter++;
        if (pipe->readers++ == 0)
            wake_up_partner(pipe);
        if (!pipe->writers) {
            if (f->f_flags & O_NONBLOCK)
                f->f_version = pipe->w_counter; // no POLLHUP until a writer has come and gone
            else
                error = wait_for_partner(pipe, &pipe->w_counter);
        }
        if (error && !--pipe->readers)
            wake_up_interruptible_all(&pipe->wr_wait);
        break;
    case O_WRONLY:
        if ((f->f_flags & O_NONBLOCK) && !pipe->readers) {
            error = -LKM_ENXIO;
            break;
        }
        pipe->w_counter++;
        if (!pipe->writers++)
            wake_up_partner(pipe);
        if (!pipe->readers)
            error = wait_for_partner(pipe, &pipe->r_counter);
        if (error) {
            pipe->writers--;
            if (!pipe->writers)
                wake_up_interruptible_all(&pipe->rd_wait);
        }
        break;
    default: // O_RDWR: both ends at once
        pipe->readers++;
        pipe->writers++;
        pipe->r_counter++;
        pipe->w_counter++;
        if (pipe->readers == 1 || pipe->writers == 1)
            wake_up_partner(pipe);
        break;
    }
    if (error) {
        bool last = --pipe->files == 0;
        if (last)
            i->i_pipe = nullptr;
        mutex_unlock(&pipe->lock);
        if (last)
            free_pipe_info(pipe);
        return error;
    }
    mutex_unlock(&pipe->lock);
    return 0;
}

long pipe_ioctl(file* f, unsigned cmd, u64 arg)
{
    if (cmd != LKM_FIONREAD) // the bytes waiting to be read
        return -LKM_ENOTTY;
    auto* pipe = static_cast<pipe_inode_info*>(f->private_data);
    mutex_lock(&pipe->lock);
    int count = 0;
    for (unsigned n = pipe->tail; n != pipe->head; n++)
        count += static_cast<int>(pipe->bufs[n & (pipe->ring_size - 1)].len);
    mutex_unlock(&pipe->lock);
    return copy_to_user(arg, &count, sizeof count) ? -LKM_EFAULT : 0;
}

// A new ring of nr_slots, the buffers in use moved to its start (Linux's pipe_resize_ring).
long pipe_resize_ring(pipe_inode_info* pipe, unsigned nr_slots)
{
    unsigned used = pipe_occupancy(pipe->head, pipe->tail);
    if (nr_slots < used)
        return -LKM_EBUSY;
    auto* bufs = static_cast<pipe_buffer*>(kmalloc(nr_slots * sizeof(pipe_buffer)));
    if (!bufs)
        return -LKM_ENOMEM;
    for (unsigned n = 0; n < used; n++)
        bufs[n] = pipe->bufs[(pipe->tail + n) & (pipe->ring_size - 1)];
    kfree(pipe->bufs);
    pipe->bufs = bufs;
    pipe->tail = 0;
    pipe->head = used;
    pipe->ring_size = pipe->max_usage = nr_slots;
    wake_up_interruptible_all(&pipe->wr_wait); // there may be room now
    return 0;
}

// Two files (read end, write end) on a new pipefs inode (Linux's create_pipe_files).
int create_pipe_files(file* res[2], int flags)
{
    super_block* sb = pipe_sb();
    if (!sb)
        return -LKM_ENOMEM;
    pipe_inode_info* pipe = alloc_pipe_info();
    if (!pipe)
        return -LKM_ENOMEM;
    inode* i = new_inode(sb, S_IFIFO | 0600);
    dentry* d = i ? d_alloc_root(sb, i) : nullptr; // a name of its own, in no directory
    auto* rd = static_cast<file*>(kmalloc(sizeof(file)));
    auto* wr = static_cast<file*>(kmalloc(sizeof(file)));
    if (!d || !rd || !wr) {
        kfree(rd);
        kfree(wr);
        if (d)
            dput(d); // and the inode with it
        else if (i)
            iput(i);
        free_pipe_info(pipe);
        return -LKM_ENOMEM;
    }
    i->i_pipe = pipe;
    i->i_fop = &pipefifo_fops;
    pipe->readers = pipe->writers = 1;
    pipe->files = 2;
    u32 status = static_cast<u32>(flags) & O_NONBLOCK;
    file* ends[2] = { rd, wr };
    for (unsigned n = 0; n < 2; n++) {
        file* f = ends[n];
        f->f_count = 1;
        f->f_op = &pipefifo_fops;
        f->f_flags = (n ? O_WRONLY : O_RDONLY) | status;
        f->private_data = pipe;
        f->f_inode = f->f_opened = i;
        ihold(i);
        f->f_path = { nullptr, dget(d) };
    }
    dput(d); // the files hold it now
    res[0] = rd;
    res[1] = wr;
    return 0;
}

} // namespace

const file_operations pipefifo_fops = {
    .open = fifo_open,
    .read = pipe_read,
    .write = pipe_write,
    .release = pipe_release,
    .llseek = nullptr, // ESPIPE
    .read_kernel = nullptr,
    .read_iter = nullptr,
    .write_iter = nullptr,
    .iterate = nullptr,
    .unlocked_ioctl = pipe_ioctl,
    .write_kernel = nullptr,
    .poll = pipe_poll,
};

void init_pipe_fs()
{
    g_pipe_sb = alloc_super(&pipefs_fs_type);
    if (!g_pipe_sb)
        panic("VFS: cannot make pipefs");
}

long pipe_fcntl(file* f, unsigned cmd, u64 arg)
{
    if (f->f_op != &pipefifo_fops)
        return -LKM_EBADF;
    auto* pipe = static_cast<pipe_inode_info*>(f->private_data);
    if (cmd == LKM_F_GETPIPE_SZ)
        return static_cast<long>(pipe->max_usage * PAGE);
    unsigned slots = round_pipe_size_slots(arg);
    if (!slots)
        return -LKM_EINVAL;
    if (slots * PAGE > PIPE_MAX_SIZE && current()->euid != 0)
        return -LKM_EPERM;
    mutex_lock(&pipe->lock);
    long error = pipe_resize_ring(pipe, slots);
    mutex_unlock(&pipe->lock);
    return error ? error : static_cast<long>(slots * PAGE);
}

long sys_pipe2(u64 fildes, int flags)
{
    if (flags & ~static_cast<int>(O_CLOEXEC | O_NONBLOCK))
        return -LKM_EINVAL; // O_DIRECT (packet mode) is not there
    file* files[2];
    if (int error = create_pipe_files(files, flags))
        return error;
    bool cloexec = flags & O_CLOEXEC;
    int fd[2] = { alloc_fd(0, cloexec), -1 };
    if (fd[0] >= 0)
        fd[1] = alloc_fd(0, cloexec);
    int error = fd[0] < 0 ? fd[0] : fd[1] < 0 ? fd[1] : 0;
    if (!error && copy_to_user(fildes, fd, sizeof fd))
        error = -LKM_EFAULT;
    if (error) {
        for (int n : fd)
            if (n >= 0)
                put_unused_fd(n);
        fput(files[0]);
        fput(files[1]);
        return error;
    }
    fd_install_at(fd[0], files[0]);
    fd_install_at(fd[1], files[1]);
    return 0;
}

long sys_pipe(u64 fildes) { return sys_pipe2(fildes, 0); }
