// init's side of insmod, rmmod and lsmod: the real finit_module(2) (or init_module(2)) and
// delete_module(2) calls and the read of /proc/modules, made from ring 3 for the host's harness
// requests. As kmod's insmod, the module goes to the kernel as a file descriptor (the request's
// data, /dev/harness_data), so init never touches the image; init_module is the fallback when
// finit_module is ENOSYS, or when asked (insmod_syscall=init_module). Names and parameters are
// passed where they lie in the request: the kernel's limits are the only ones.
//
// A failing call is answered with the kernel's own reason, as the host shows it after kmod's
// message: the log records the call produced (from /dev/kmsg, positioned at its end before the
// call), or for a busy module the users /proc/modules lists ("Module provider is in use by:
// consumer").
#include "init.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/module_abi.h>

namespace init {

bool g_insmod_bad_pointer;
bool g_insmod_init_module;
finit_test g_finit_test;

namespace {

constexpr long RMMOD_WAIT_LIMIT_MS = 60000;       // rmmod -w gives up after a minute of guest time
constexpr uintptr_t UNMAPPED_USER_ADDRESS = 0x1000; // below init's image at 0x400000
constexpr size_t KMSG_RECORD_MAX = 4096;            // the longest record, every byte escaped, is ~2.6 KiB

int g_kmsg = -1; // /dev/kmsg (open_kernel_log)

} // namespace

// Position /dev/kmsg after the newest record: what the next call logs is what
// append_log_since_mark() gives. Without /dev/kmsg there is no reason to give, only the errno.
void mark_log()
{
    if (g_kmsg >= 0)
        sys::lseek(g_kmsg, 0, sys::SEEK_END);
}

// The text of the records logged since mark_log(), one line each, without the final newline.
// A record is "level,seq,usec,-;text\n".
void append_log_since_mark(response_text& text)
{
    char record[KMSG_RECORD_MAX];
    while (g_kmsg >= 0) {
        long length = sys::read(g_kmsg, record, sizeof(record));
        if (length == -LKM_EPIPE)
            continue; // records were lost to the ring's wrap: go on from the oldest left
        if (length <= 0)
            break; // EAGAIN: nothing newer
        long at = 0;
        while (at < length && record[at] != ';')
            at++;
        if (at < length)
            text.append(record + at + 1, static_cast<size_t>(length - at - 1));
    }
    while (text.length && text.text[text.length - 1] == '\n')
        text.length--;
}

namespace {

// The holders of one module, from /proc/modules ("name size refcount users state address", users
// "a,b," or "-"), read in pieces: the file grows with the modules loaded. Each holder is appended
// as kmod lists them, " by: a b" after "is in use".
class holders_scan {
public:
    holders_scan(const char* name, response_text& text) : m_name(name), m_text(text) {}

    void feed(char c)
    {
        if (c == '\n') {
            end_token();
            m_field = 0;
            m_matched = 0;
            m_mismatch = false;
            return;
        }
        if (m_field == 0) {
            if (c == ' ') {
                m_mismatch |= m_name[m_matched] != '\0';
                m_field = 1;
            } else if (!m_mismatch && m_name[m_matched] == c) {
                m_matched++;
            } else {
                m_mismatch = true;
            }
            return;
        }
        if (m_mismatch)
            return;
        if (c == ' ') {
            if (m_field == 3)
                end_token();
            m_field++;
        } else if (m_field == 3) {
            if (c == ',')
                end_token();
            else if (m_token_length < sizeof(m_token))
                m_token[m_token_length++] = c;
        }
    }

private:
    void end_token()
    {
        if (m_token_length == 0 || (m_token_length == 1 && m_token[0] == '-')) {
            m_token_length = 0;
            return;
        }
        m_text.append(m_holders++ == 0 ? " by: " : " ");
        m_text.append(m_token, m_token_length);
        m_token_length = 0;
    }

    const char* m_name;
    response_text& m_text;
    unsigned m_field = 0;   // 0 name, 1 size, 2 refcount, 3 users ...
    size_t m_matched = 0;   // how much of the line's name matched m_name so far
    bool m_mismatch = false;
    char m_token[LKM_MODULE_NAME_LEN]; // a holder's name: the kernel bounds it
    size_t m_token_length = 0;
    unsigned m_holders = 0;
};

// kmod's message for a busy module: "Module NAME is in use" and who uses it.
void describe_busy_module(const char* name, response_text& text)
{
    text.append("Module ");
    text.append(name);
    text.append(" is in use");
    long fd = sys::open("/proc/modules", sys::O_RDONLY | sys::O_NONBLOCK);
    if (fd < 0)
        return;
    holders_scan scan(name, text);
    char chunk[512];
    for (;;) {
        long n = sys::read(static_cast<int>(fd), chunk, sizeof(chunk));
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++)
            scan.feed(chunk[i]);
    }
    scan.feed('\n'); // a last line without its newline
    sys::close(static_cast<int>(fd));
}

// The request's data into init's memory for init_module(2) (which has no flags: insmod -f's are
// not passed). One larger than the kernel takes is not read: the kernel refuses its length
// (EFBIG) before looking at the bytes.
long read_request_data(const request& request, const void** image)
{
    size_t capacity;
    unsigned char* buffer = request_data_buffer(&capacity);
    *image = buffer;
    if (request.data_length > capacity || request.data_length > LKM_MAX_MODULE_IMAGE)
        return 0;
    int fd = harness_data_fd();
    if (long err = sys::lseek(fd, 0, sys::SEEK_SET); err < 0)
        return err;
    size_t done = 0;
    while (done < request.data_length) {
        long n = sys::read(fd, buffer + done, request.data_length - done);
        if (n < 0)
            return n;
        if (n == 0)
            return -LKM_EIO; // shorter than the request said
        done += static_cast<size_t>(n);
    }
    return 0;
}

long insmod_by_init_module(const request& request)
{
    const void* image = reinterpret_cast<const void*>(UNMAPPED_USER_ADDRESS);
    if (!g_insmod_bad_pointer) {
        if (long err = read_request_data(request, &image); err < 0)
            return err;
    }
    return sys::init_module(image, request.data_length, request.args);
}

// The calls below run in init or in a child of it (module_call_in_task, insmod_in=): each gets the
// request, returns 0 or -errno.

long insmod_call(const void* arg)
{
    const request& request = *static_cast<const init::request*>(arg);
    long ret = -LKM_ENOSYS;
    if (!g_insmod_init_module && !g_insmod_bad_pointer) {
        int fd = g_finit_test == finit_test::bad_fd ? -1
            : g_finit_test == finit_test::char_device ? g_kmsg
                                                      : harness_data_fd();
        int flags = static_cast<int>(request.flags) | (g_finit_test == finit_test::bad_flags ? 0x100 : 0);
        ret = sys::finit_module(fd, request.args, flags);
    }
    if (ret == -LKM_ENOSYS)
        ret = insmod_by_init_module(request);
    return ret;
}

struct insmod_file_call {
    int fd;
    const char* params;
    int flags;
};

long insmod_file_call_fn(const void* arg)
{
    const auto& call = *static_cast<const insmod_file_call*>(arg);
    return sys::finit_module(call.fd, call.params, call.flags);
}

long rmmod_call(const void* arg)
{
    const request& request = *static_cast<const init::request*>(arg);
    bool wait = request.flags & LKMEMU_HARNESS_RMMOD_WAIT;
    unsigned flags = request.flags & ~LKMEMU_HARNESS_RMMOD_WAIT;
    long waited_ms = 0, backoff_ms = 10;
    for (;;) {
        long ret = sys::delete_module(request.args, flags);
        if (ret == -LKM_EWOULDBLOCK && wait && waited_ms < RMMOD_WAIT_LIMIT_MS) {
            // As modprobe -w: wait while the module is busy, backing off up to a second.
            sys::timespec delay { backoff_ms / 1000, (backoff_ms % 1000) * 1000000 };
            sys::nanosleep(&delay);
            waited_ms += backoff_ms;
            backoff_ms = backoff_ms * 2 > 1000 ? 1000 : backoff_ms * 2;
            continue;
        }
        return ret;
    }
}

// The answer to a module call: its result, with what the kernel logged for a failure (or the
// death of the child that made it: the oops).
void respond_module_call(long ret)
{
    response_text& text = begin_response();
    if (ret != 0)
        append_log_since_mark(text);
    respond(static_cast<int>(ret), text);
}

} // namespace

void open_kernel_log()
{
    long fd = sys::open("/dev/kmsg", sys::O_RDONLY | sys::O_NONBLOCK | sys::O_CLOEXEC);
    g_kmsg = fd < 0 ? -1 : static_cast<int>(fd);
}

void serve_insmod(const request& request)
{
    mark_log();
    respond_module_call(module_call_in_task(insmod_call, &request));
}

void serve_insmod_file(const request& request)
{
    const char* path = request.args;
    size_t length = 0;
    while (path[length])
        length++;
    const char* params = length + 1 < request.args_length ? path + length + 1 : path + length;
    long fd = sys::open(path, sys::O_RDONLY | sys::O_CLOEXEC);
    if (fd < 0) {
        respond(static_cast<int>(fd), begin_response(), LKMEMU_HARNESS_RESPONSE_NOT_OPENED);
        return;
    }
    insmod_file_call call { static_cast<int>(fd), params, static_cast<int>(request.flags) };
    mark_log();
    long ret = module_call_in_task(insmod_file_call_fn, &call);
    sys::close(static_cast<int>(fd));
    respond_module_call(ret);
}

void serve_rmmod(const request& request)
{
    mark_log();
    long ret = module_call_in_task(rmmod_call, &request);
    if (ret == -LKM_EWOULDBLOCK) {
        response_text& text = begin_response();
        describe_busy_module(request.args, text);
        respond(static_cast<int>(ret), text);
        return;
    }
    respond_module_call(ret);
}

void serve_lsmod()
{
    response_text& text = begin_response();
    long error = read_whole_file("/proc/modules", text);
    if (error < 0)
        respond(static_cast<int>(error));
    else
        respond(0, text);
}

} // namespace init
