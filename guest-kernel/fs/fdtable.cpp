// Descriptor tables (Linux's fs/file.c): an array of files with two bitmaps, doubled when a
// descriptor past its end is wanted, bounded only by RLIMIT_NOFILE.
#include <lkmemu/errno.h>
#include <kernel/fdtable.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/string.h>

files_struct init_files = { 1, 0, 0, nullptr, nullptr, nullptr };

files_struct* current_files()
{
    const task_struct* task = current();
    files_struct* files = task ? task->files : nullptr;
    return files ? files : &init_files;
}

// Tasks have no resource limits yet: Linux's default soft limit.
unsigned rlimit_nofile() { return NR_OPEN_CUR; }

namespace {

constexpr unsigned BITS = 64;
size_t words(unsigned nr) { return (nr + BITS - 1) / BITS; }
bool test_bit(const u64* map, unsigned n) { return map[n / BITS] >> (n % BITS) & 1; }
void set_bit(u64* map, unsigned n) { map[n / BITS] |= 1ull << (n % BITS); }
void clear_bit(u64* map, unsigned n) { map[n / BITS] &= ~(1ull << (n % BITS)); }

// Grows the table to hold descriptor nr (64 slots at least, doubling).
int expand_files(files_struct* files, unsigned nr)
{
    if (nr < files->max_fds)
        return 0;
    unsigned max = files->max_fds ? files->max_fds : BITS;
    while (max <= nr)
        max *= 2;
    auto** fd = static_cast<file**>(kmalloc(max * sizeof(file*)));
    auto* open = static_cast<u64*>(kmalloc(words(max) * sizeof(u64)));
    auto* cloexec = static_cast<u64*>(kmalloc(words(max) * sizeof(u64)));
    if (!fd || !open || !cloexec) {
        kfree(fd);
        kfree(open);
        kfree(cloexec);
        return -LKM_ENOMEM;
    }
    if (files->max_fds) {
        memcpy(fd, files->fd, files->max_fds * sizeof(file*));
        memcpy(open, files->open_fds, words(files->max_fds) * sizeof(u64));
        memcpy(cloexec, files->close_on_exec, words(files->max_fds) * sizeof(u64));
    }
    kfree(files->fd);
    kfree(files->open_fds);
    kfree(files->close_on_exec);
    files->fd = fd;
    files->open_fds = open;
    files->close_on_exec = cloexec;
    files->max_fds = max;
    return 0;
}

unsigned find_next_zero(const files_struct* files, unsigned start)
{
    unsigned n = start;
    while (n < files->max_fds) {
        u64 word = files->open_fds[n / BITS] | ((1ull << (n % BITS)) - 1);
        if (~word)
            return (n / BITS) * BITS + static_cast<unsigned>(__builtin_ctzll(~word));
        n = (n / BITS + 1) * BITS;
    }
    return files->max_fds;
}

} // namespace

int alloc_fd(unsigned start, bool cloexec)
{
    files_struct* files = current_files();
    unsigned fd = find_next_zero(files, start > files->next_fd ? start : files->next_fd);
    if (fd >= rlimit_nofile())
        return -LKM_EMFILE;
    if (int error = expand_files(files, fd))
        return error;
    set_bit(files->open_fds, fd);
    if (cloexec)
        set_bit(files->close_on_exec, fd);
    else
        clear_bit(files->close_on_exec, fd);
    if (start <= files->next_fd)
        files->next_fd = fd + 1;
    return static_cast<int>(fd);
}

void put_unused_fd(int fd)
{
    files_struct* files = current_files();
    clear_bit(files->open_fds, static_cast<unsigned>(fd));
    if (static_cast<unsigned>(fd) < files->next_fd)
        files->next_fd = static_cast<unsigned>(fd);
}

void fd_install_at(int fd, file* f) { current_files()->fd[fd] = f; }

int fd_install(file* f)
{
    int fd = alloc_fd(0, false);
    if (fd >= 0)
        fd_install_at(fd, f);
    return fd;
}

file* fd_get(int fd)
{
    files_struct* files = current_files();
    if (fd < 0 || static_cast<unsigned>(fd) >= files->max_fds)
        return nullptr;
    return files->fd[fd];
}

file* fd_remove(int fd)
{
    file* f = fd_get(fd);
    if (f) {
        current_files()->fd[fd] = nullptr;
        put_unused_fd(fd);
    }
    return f;
}

int replace_fd(unsigned fd, file* f, bool cloexec)
{
    if (fd >= rlimit_nofile())
        return -LKM_EBADF;
    files_struct* files = current_files();
    if (int error = expand_files(files, fd))
        return error;
    file* old = files->fd[fd];
    files->fd[fd] = f;
    set_bit(files->open_fds, fd);
    if (cloexec)
        set_bit(files->close_on_exec, fd);
    else
        clear_bit(files->close_on_exec, fd);
    if (old)
        fput(old);
    return 0;
}

bool get_close_on_exec(unsigned fd)
{
    files_struct* files = current_files();
    return fd < files->max_fds && test_bit(files->close_on_exec, fd);
}

void set_close_on_exec(unsigned fd, bool on)
{
    files_struct* files = current_files();
    if (on)
        set_bit(files->close_on_exec, fd);
    else
        clear_bit(files->close_on_exec, fd);
}

void close_files()
{
    files_struct* files = current_files();
    for (unsigned fd = 0; fd < files->max_fds; fd++) {
        if (file* f = fd_remove(static_cast<int>(fd)))
            fput(f);
    }
}

lkm::ErrorOr<files_struct*> dup_fd(files_struct* oldf)
{
    auto* files = static_cast<files_struct*>(kmalloc(sizeof(files_struct)));
    if (!files)
        return lkm::Error::from_errno(LKM_ENOMEM, "dup_fd: no memory");
    files->count = 1;
    if (oldf->max_fds && expand_files(files, oldf->max_fds - 1) < 0) {
        kfree(files);
        return lkm::Error::from_errno(LKM_ENOMEM, "dup_fd: no memory for the table");
    }
    for (unsigned fd = 0; fd < oldf->max_fds; fd++) {
        if (file* f = oldf->fd[fd])
            files->fd[fd] = get_file(f);
    }
    if (oldf->max_fds) {
        memcpy(files->open_fds, oldf->open_fds, words(oldf->max_fds) * sizeof(u64));
        memcpy(files->close_on_exec, oldf->close_on_exec, words(oldf->max_fds) * sizeof(u64));
    }
    files->next_fd = oldf->next_fd;
    return files;
}

void put_files_struct(files_struct* files)
{
    if (--files->count || files == &init_files)
        return;
    for (unsigned fd = 0; fd < files->max_fds; fd++) {
        if (files->fd[fd])
            fput(files->fd[fd]);
    }
    kfree(files->fd);
    kfree(files->open_fds);
    kfree(files->close_on_exec);
    kfree(files);
}
