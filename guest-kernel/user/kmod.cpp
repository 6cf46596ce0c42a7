// init's side of insmod, rmmod, lsmod and cat: the real init_module(2), delete_module(2) and
// open/read(2) calls, made from ring 3 for the host's harness requests.
//
// A failing call is answered with the kernel's own reason, as the host shows it after kmod's
// message: the log records the call produced (from /dev/kmsg, positioned at its end before the
// call), or for a busy module the users /proc/modules lists ("Module provider is in use by:
// consumer").
#include "init.h"
#include "syscall.h"

#include <lkmemu/errno.h>

namespace init {

bool g_insmod_bad_pointer;

namespace {

constexpr size_t MAX_ARGS = 4096;
constexpr size_t NAME_MAX = 64;
constexpr unsigned HARNESS_RMMOD_WAIT = 1u << 31; // the host's rmmod -w
constexpr long RMMOD_WAIT_LIMIT_MS = 60000;       // rmmod -w gives up after a minute of guest time
constexpr uintptr_t UNMAPPED_USER_ADDRESS = 0x1000; // below init's image at 0x400000

alignas(16) char g_proc_modules[TEXT_BUFFER_SIZE];
char g_args[MAX_ARGS];
int g_kmsg = -1; // /dev/kmsg (open_kernel_log)

size_t string_length(const char* s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

bool equal(const char* a, size_t a_length, const char* b, size_t b_length)
{
    if (a_length != b_length)
        return false;
    for (size_t i = 0; i < a_length; i++) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

void copy_string(char* dst, size_t size, const char* src, size_t length)
{
    if (length >= size)
        length = size - 1;
    for (size_t i = 0; i < length; i++)
        dst[i] = src[i];
    dst[length] = '\0';
}

// Position /dev/kmsg after the newest record: what the next call logs is what log_since_mark()
// returns. Without /dev/kmsg there is no reason to give, only the errno.
void mark_log()
{
    if (g_kmsg >= 0)
        sys::lseek(g_kmsg, 0, sys::SEEK_END);
}

// The text of the records logged since mark_log(), one line each, into the response text;
// returns its length, without the final newline. A record is "level,seq,usec,-;text\n".
size_t log_since_mark()
{
    char* text = response_text();
    size_t n = 0;
    char record[4096]; // the longest record, every byte escaped, is ~2.6 KiB
    while (g_kmsg >= 0) {
        long length = sys::read(g_kmsg, record, sizeof(record));
        if (length == -LKM_EPIPE)
            continue; // records were lost to the ring's wrap: go on from the oldest left
        if (length <= 0)
            break; // EAGAIN: nothing newer
        long at = 0;
        while (at < length && record[at] != ';')
            at++;
        for (at++; at < length && n < TEXT_BUFFER_SIZE; at++)
            text[n++] = record[at];
    }
    while (n && text[n - 1] == '\n')
        n--;
    return n;
}

// A whole file into buffer; its length, or a negative errno. Opened non-blocking, so that a
// device that would wait for more (/dev/kmsg) ends the file instead.
long read_whole_file(const char* path, char* buffer, size_t size)
{
    long fd = sys::open(path, sys::O_RDONLY | sys::O_NONBLOCK);
    if (fd < 0)
        return fd;
    size_t used = 0;
    for (;;) {
        long n = sys::read(static_cast<int>(fd), buffer + used, size - used);
        if (n == -LKM_EAGAIN)
            break;
        if (n < 0) {
            sys::close(static_cast<int>(fd));
            return n;
        }
        if (n == 0 || used + static_cast<size_t>(n) == size) {
            used += static_cast<size_t>(n);
            break;
        }
        used += static_cast<size_t>(n);
    }
    sys::close(static_cast<int>(fd));
    return static_cast<long>(used);
}

// kmod's message for a busy module: who uses it, from /proc/modules's users column.
size_t describe_busy_module(const char* name)
{
    char* text = response_text();
    long length = read_whole_file("/proc/modules", g_proc_modules, sizeof(g_proc_modules));
    size_t name_length = string_length(name);
    const char* users = nullptr;
    size_t users_length = 0;
    for (long i = 0; length > 0 && i < length;) {
        long end = i;
        while (end < length && g_proc_modules[end] != '\n')
            end++;
        // "name size refcount users state address"
        const char* line = g_proc_modules + i;
        if (end - i > static_cast<long>(name_length) && equal(line, name_length, name, name_length) &&
            line[name_length] == ' ') {
            const char* field = line + name_length + 1;
            for (int skip = 0; skip < 2; skip++) { // size, refcount
                while (*field != ' ')
                    field++;
                field++;
            }
            users = field;
            while (field[users_length] != ' ')
                users_length++;
        }
        i = end + 1;
    }
    size_t n = 0;
    auto append = [&](const char* s, size_t len) {
        for (size_t i = 0; i < len && n < TEXT_BUFFER_SIZE; i++)
            text[n++] = s[i];
    };
    append("Module ", 7);
    append(name, name_length);
    if (users && !(users_length == 1 && users[0] == '-')) {
        append(" is in use by:", 14);
        // "a,b," -> " a b", as kmod lists holders
        for (size_t i = 0; i < users_length; i++) {
            if (users[i] == ',')
                continue;
            if (i == 0 || users[i - 1] == ',')
                append(" ", 1);
            append(users + i, 1);
        }
    } else {
        append(" is in use", 10);
    }
    return n;
}

} // namespace

void open_kernel_log()
{
    long fd = sys::open("/dev/kmsg", sys::O_RDONLY | sys::O_NONBLOCK);
    g_kmsg = fd < 0 ? -1 : static_cast<int>(fd);
}

void serve_insmod(int harness, const request_view& request)
{
    if (request.args_length >= MAX_ARGS) {
        respond(harness, -LKM_E2BIG, 0);
        return;
    }
    copy_string(g_args, sizeof(g_args), request.args, request.args_length);
    const void* image = request.data;
    if (g_insmod_bad_pointer)
        image = reinterpret_cast<const void*>(UNMAPPED_USER_ADDRESS);
    mark_log();
    long ret = sys::init_module(image, request.data_length, g_args);
    respond(harness, static_cast<int>(ret), ret < 0 ? log_since_mark() : 0);
}

void serve_rmmod(int harness, const request_view& request)
{
    char name[NAME_MAX];
    if (request.args_length >= sizeof(name)) {
        respond(harness, -LKM_ENAMETOOLONG, 0);
        return;
    }
    copy_string(name, sizeof(name), request.args, request.args_length);
    bool wait = request.flags & HARNESS_RMMOD_WAIT;
    unsigned flags = request.flags & ~HARNESS_RMMOD_WAIT;
    long waited_ms = 0, backoff_ms = 10;
    for (;;) {
        mark_log();
        long ret = sys::delete_module(name, flags);
        if (ret == -LKM_EWOULDBLOCK && wait && waited_ms < RMMOD_WAIT_LIMIT_MS) {
            // As modprobe -w: wait while the module is busy, backing off up to a second.
            sys::timespec delay { backoff_ms / 1000, (backoff_ms % 1000) * 1000000 };
            sys::nanosleep(&delay);
            waited_ms += backoff_ms;
            backoff_ms = backoff_ms * 2 > 1000 ? 1000 : backoff_ms * 2;
            continue;
        }
        size_t text = 0;
        if (ret == -LKM_EWOULDBLOCK)
            text = describe_busy_module(name);
        else if (ret < 0)
            text = log_since_mark();
        respond(harness, static_cast<int>(ret), text);
        return;
    }
}

void serve_lsmod(int harness)
{
    long n = read_whole_file("/proc/modules", response_text(), TEXT_BUFFER_SIZE);
    respond(harness, n < 0 ? static_cast<int>(n) : 0, n < 0 ? 0 : static_cast<size_t>(n));
}

void serve_read_file(int harness, const request_view& request)
{
    char path[256];
    if (request.args_length >= sizeof(path)) {
        respond(harness, -LKM_ENAMETOOLONG, 0);
        return;
    }
    copy_string(path, sizeof(path), request.args, request.args_length);
    long n = read_whole_file(path, response_text(), TEXT_BUFFER_SIZE);
    respond(harness, n < 0 ? static_cast<int>(n) : 0, n < 0 ? 0 : static_cast<size_t>(n));
}

} // namespace init
