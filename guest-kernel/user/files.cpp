// init's side of dmesg, cat and ls: syslog(2), open/read(2) of the path the host names, and a
// directory listed through openat(O_DIRECTORY), getdents64(2) and, for ls -l, newfstatat(2) and
// readlinkat(2).
#include "init.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/linux_syscalls.h>
#include <lkmemu/stat.h>

namespace init {

long read_whole_file(const char* path, response_text& text)
{
    long fd = sys::open(path, sys::O_RDONLY | sys::O_NONBLOCK);
    if (fd < 0)
        return fd;
    long result = 0;
    while (text.length < text.capacity) {
        long n = sys::read(static_cast<int>(fd), text.text + text.length, text.capacity - text.length);
        if (n == -LKM_EAGAIN || n == 0)
            break;
        if (n < 0) {
            result = n;
            break;
        }
        text.length += static_cast<size_t>(n);
    }
    sys::close(static_cast<int>(fd));
    return result;
}

// syslog(2) gives Linux's "<level>[time] text" lines; like dmesg(1), show them without "<level>".
size_t strip_log_levels(char* text, size_t length)
{
    size_t out = 0;
    bool line_start = true;
    for (size_t i = 0; i < length; i++) {
        if (line_start && text[i] == '<') {
            size_t j = i + 1;
            while (j < length && text[j] >= '0' && text[j] <= '9')
                j++;
            if (j < length && j > i + 1 && text[j] == '>') {
                i = j;
                line_start = false;
                continue;
            }
        }
        text[out++] = text[i];
        line_start = text[i] == '\n';
    }
    return out;
}

void serve_dmesg()
{
    response_text& text = begin_response();
    long n = sys::syslog(sys::SYSLOG_ACTION_READ_ALL, text.text, static_cast<int>(text.capacity));
    if (n < 0) {
        respond(static_cast<int>(n));
        return;
    }
    text.length = strip_log_levels(text.text, static_cast<size_t>(n));
    respond(0, text);
}

// cat: the file's bytes, as they are, in parts of RESPONSE_PART_SIZE (any size streams). Opened
// non-blocking, as read_whole_file.
void serve_read_file(const request& request)
{
    response_text& text = begin_response();
    long fd = sys::open(request.args, sys::O_RDONLY | sys::O_NONBLOCK | sys::O_CLOEXEC);
    if (fd < 0) {
        respond(static_cast<int>(fd), text, LKMEMU_HARNESS_RESPONSE_NOT_OPENED);
        return;
    }
    long result = 0;
    for (;;) {
        if (text.length == RESPONSE_PART_SIZE)
            send_part(text);
        long n = sys::read(static_cast<int>(fd), text.text + text.length, RESPONSE_PART_SIZE - text.length);
        if (n == -LKM_EAGAIN || n == 0)
            break;
        if (n == -LKM_EINVAL && text.length) {
            // A record file (/dev/kmsg) refuses a read too small for its next record: send what
            // the part holds and read again into the whole part.
            send_part(text);
            continue;
        }
        if (n < 0) {
            result = n;
            break;
        }
        text.length += static_cast<size_t>(n);
    }
    sys::close(static_cast<int>(fd));
    if (result < 0)
        text.length = 0; // a failed read: the answer is the error (what came before is sent)
    respond(static_cast<int>(result), text);
}

namespace {

// One directory entry as ls keeps it, in the request's data area (init has no heap): its name's
// length and bytes. The entries are packed from the area's start; their offsets are an array
// growing down from its end, which is sorted.
struct ls_entries {
    unsigned char* base;
    size_t capacity;
    size_t used = 0;    // bytes of entries from base
    size_t count = 0;   // offsets below base + capacity

    uint32_t* offsets() const { return reinterpret_cast<uint32_t*>(base + capacity) - count; }

    bool add(const char* name, size_t length)
    {
        size_t need = sizeof(uint32_t) + length + 1;
        if (used + need + (count + 1) * sizeof(uint32_t) > capacity)
            return false;
        uint32_t at = static_cast<uint32_t>(used);
        uint32_t n = static_cast<uint32_t>(length);
        __builtin_memcpy(base + used, &n, sizeof(n));
        __builtin_memcpy(base + used + sizeof(n), name, length);
        base[used + sizeof(n) + length] = 0;
        used += need;
        count++;
        offsets()[0] = at;
        return true;
    }
    const char* name(uint32_t offset) const { return reinterpret_cast<const char*>(base + offset + sizeof(uint32_t)); }
};

int compare_names(const char* a, const char* b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return static_cast<unsigned char>(a[i]) - static_cast<unsigned char>(b[i]);
}

// Heap sort of the offsets by name (ls sorts by byte value in the C locale): O(n log n) in place.
void sort_entries(ls_entries& entries)
{
    uint32_t* a = entries.offsets();
    size_t n = entries.count;
    auto less = [&](size_t i, size_t j) { return compare_names(entries.name(a[i]), entries.name(a[j])) < 0; };
    auto sift_down = [&](size_t root, size_t end) {
        while (2 * root + 1 < end) {
            size_t child = 2 * root + 1;
            if (child + 1 < end && less(child, child + 1))
                child++;
            if (!less(root, child))
                return;
            uint32_t t = a[root];
            a[root] = a[child];
            a[child] = t;
            root = child;
        }
    };
    for (size_t start = n / 2; start-- > 0;)
        sift_down(start, n);
    for (size_t end = n; end > 1; end--) {
        uint32_t t = a[0];
        a[0] = a[end - 1];
        a[end - 1] = t;
        sift_down(0, end - 1);
    }
}

void append_number(response_text& text, unsigned long value, size_t width, bool left)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value);
    char out[48];
    size_t at = 0;
    if (!left)
        for (size_t pad = n; pad < width; pad++)
            out[at++] = ' ';
    while (n)
        out[at++] = digits[--n];
    if (left)
        while (at < width)
            out[at++] = ' ';
    text.append(out, at);
}

// ls's mode string: the type letter and rwx triplets with setuid/setgid/sticky.
void append_mode(response_text& text, uint32_t mode)
{
    char s[10];
    switch (mode & LKM_S_IFMT) {
    case LKM_S_IFDIR: s[0] = 'd'; break;
    case LKM_S_IFCHR: s[0] = 'c'; break;
    case LKM_S_IFBLK: s[0] = 'b'; break;
    case LKM_S_IFLNK: s[0] = 'l'; break;
    case LKM_S_IFIFO: s[0] = 'p'; break;
    case LKM_S_IFSOCK: s[0] = 's'; break;
    default: s[0] = '-'; break;
    }
    static constexpr char rwx[] = "rwx";
    for (int i = 0; i < 9; i++)
        s[1 + i] = mode & (0400u >> i) ? rwx[i % 3] : '-';
    auto special = [&](int at, uint32_t bit, char set_x, char set_no_x) {
        if (mode & bit)
            s[at] = s[at] == '-' ? set_no_x : set_x;
    };
    special(3, 04000, 's', 'S');
    special(6, 02000, 's', 'S');
    special(9, 01000, 't', 'T');
    text.append(s, sizeof(s));
}

// busybox's ls -ln line without the date: mode, links, uid, gid, size (major, minor for a
// device), name, and " -> target" for a symlink.
void append_long_entry(response_text& text, int dirfd, const char* name, const lkm_stat& st)
{
    append_mode(text, st.st_mode);
    text.append(" ");
    append_number(text, st.st_nlink, 4, false);
    text.append(" ");
    append_number(text, st.st_uid, 8, true);
    text.append(" ");
    append_number(text, st.st_gid, 8, true);
    text.append(" ");
    uint32_t type = st.st_mode & LKM_S_IFMT;
    if (type == LKM_S_IFCHR || type == LKM_S_IFBLK) {
        // Linux's new_encode_dev, undone (glibc's gnu_dev_major / gnu_dev_minor).
        unsigned long major = ((st.st_rdev >> 8) & 0xfff) | ((st.st_rdev >> 32) & ~0xfffull);
        unsigned long minor = (st.st_rdev & 0xff) | ((st.st_rdev >> 12) & ~0xffull);
        append_number(text, major, 4, false);
        text.append(", ");
        append_number(text, minor, 4, false);
    } else {
        append_number(text, static_cast<unsigned long>(st.st_size), 9, false);
    }
    text.append(" ");
    text.append(name);
    if (type == LKM_S_IFLNK) {
        char target[4096];
        long n = sys::syscall(LINUX_NR_readlinkat, dirfd, reinterpret_cast<long>(name), reinterpret_cast<long>(target),
                              sizeof(target));
        if (n >= 0) {
            text.append(" -> ");
            text.append(target, static_cast<size_t>(n));
        }
    }
    text.append("\n");
}

long stat_at(int dirfd, const char* name, lkm_stat* st)
{
    return sys::syscall(LINUX_NR_newfstatat, dirfd, reinterpret_cast<long>(name), reinterpret_cast<long>(st),
                        LKM_AT_SYMLINK_NOFOLLOW);
}

// The directory's entries (not those starting with '.', as ls without -a) into entries.
long read_directory(int fd, ls_entries& entries)
{
    alignas(8) char buffer[4096];
    for (;;) {
        long n = sys::syscall(LINUX_NR_getdents64, fd, reinterpret_cast<long>(buffer), sizeof(buffer));
        if (n <= 0)
            return n;
        for (long at = 0; at < n;) {
            const auto* entry = reinterpret_cast<const lkm_linux_dirent64*>(buffer + at);
            if (entry->d_reclen == 0 || at + entry->d_reclen > n)
                return -LKM_EIO; // a malformed record: the kernel's bug, reported rather than looped on
            const char* name = entry->d_name;
            if (name[0] != '.') {
                size_t length = 0;
                while (name[length])
                    length++;
                if (!entries.add(name, length))
                    return -LKM_ENOMEM;
            }
            at += entry->d_reclen;
        }
    }
}

} // namespace

void serve_ls(const request& request)
{
    bool long_format = request.flags & LKMEMU_HARNESS_LS_LONG;
    response_text& text = begin_response();
    long fd = sys::syscall(LINUX_NR_openat, LKM_AT_FDCWD, reinterpret_cast<long>(request.args),
                           LKM_O_RDONLY | LKM_O_DIRECTORY | LKM_O_CLOEXEC, 0);
    if (fd == -LKM_ENOTDIR) {
        // ls of a file lists the file, under the name it was given.
        lkm_stat st;
        long err = stat_at(LKM_AT_FDCWD, request.args, &st);
        if (err < 0) {
            respond(static_cast<int>(err));
            return;
        }
        if (long_format)
            append_long_entry(text, LKM_AT_FDCWD, request.args, st);
        else {
            text.append(request.args);
            text.append("\n");
        }
        respond(0, text);
        return;
    }
    if (fd < 0) {
        respond(static_cast<int>(fd));
        return;
    }
    ls_entries entries;
    entries.base = request_data_buffer(&entries.capacity);
    entries.capacity &= ~size_t(3);
    long err = read_directory(static_cast<int>(fd), entries);
    if (err < 0) {
        sys::close(static_cast<int>(fd));
        respond(static_cast<int>(err));
        return;
    }
    sort_entries(entries);
    const uint32_t* offsets = entries.offsets();
    for (size_t i = 0; i < entries.count; i++) {
        const char* name = entries.name(offsets[i]);
        if (!long_format) {
            text.append(name);
            text.append("\n");
            continue;
        }
        lkm_stat st;
        if (stat_at(static_cast<int>(fd), name, &st) < 0)
            continue; // gone since getdents64 listed it
        append_long_entry(text, static_cast<int>(fd), name, st);
    }
    sys::close(static_cast<int>(fd));
    respond(0, text);
}

} // namespace init
