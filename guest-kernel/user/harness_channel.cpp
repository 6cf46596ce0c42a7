// init's end of /dev/harness: one request read, one response written per command.
//
// init has no heap (the kernel implements neither brk nor mmap), so its buffers are static, and
// sized for the largest message the protocol carries (LKMEMU_HARNESS_MAX_MESSAGE: a module image
// as large as the kernel takes). They are .bss, which is demand-zero: a page is backed only once
// a message reaches into it, so a small command costs a few pages, not the buffer.
#include "init.h"
#include "syscall.h"

#include <lkmemu/errno.h>

namespace init {

namespace {

alignas(16) unsigned char g_request[LKMEMU_HARNESS_MAX_MESSAGE];
alignas(16) unsigned char g_response[LKMEMU_HARNESS_MAX_MESSAGE];
response_text g_text { reinterpret_cast<char*>(g_response + sizeof(lkmemu_harness_response)), 0,
                       RESPONSE_TEXT_CAPACITY };
int g_harness = -1;
int g_harness_data = -1;
const lkmemu_harness_request* g_current; // the request read last, in g_request

} // namespace

void response_text::append(const char* s, size_t n)
{
    if (n > capacity - length)
        n = capacity - length;
    __builtin_memcpy(text + length, s, n);
    length += n;
}

void response_text::append(const char* s)
{
    size_t n = 0;
    while (s[n])
        n++;
    append(s, n);
}

long open_harness()
{
    // Close-on-exec: the programs init runs (exec) must not hold its end of the harness.
    long fd = sys::open("/dev/harness", sys::O_RDWR | sys::O_CLOEXEC);
    if (fd < 0)
        return fd;
    g_harness = static_cast<int>(fd);
    // Opened now, as root: init may drop to another uid before its first insmod.
    long data = sys::open("/dev/harness_data", sys::O_RDONLY | sys::O_CLOEXEC);
    if (data < 0)
        return data;
    g_harness_data = static_cast<int>(data);
    return 0;
}

int harness_data_fd() { return g_harness_data; }

unsigned char* request_data_buffer(size_t* capacity)
{
    size_t used = sizeof(lkmemu_harness_request) + (g_current ? g_current->args_length : 0);
    used = (used + 15) & ~size_t(15);
    *capacity = sizeof(g_request) - used;
    return g_request + used;
}

response_text& begin_response()
{
    g_text.length = 0;
    return g_text;
}

void respond(int status, const response_text& text, uint32_t flags)
{
    lkmemu_harness_response header { status, static_cast<uint32_t>(text.length), flags };
    __builtin_memcpy(g_response, &header, sizeof(header));
    long written = sys::write(g_harness, g_response, sizeof(header) + text.length);
    if (written < 0)
        sys::exit(3); // the harness is gone: nothing sensible is left to do
}

void respond(int status) { respond(status, begin_response()); }

void send_part(response_text& text)
{
    respond(0, text, LKMEMU_HARNESS_RESPONSE_MORE);
    text.length = 0;
}

request next_request()
{
    for (;;) {
        long n = sys::read(g_harness, g_request, sizeof(g_request));
        if (n == -LKM_ENOMEM || n == -LKM_EFAULT) {
            respond(static_cast<int>(n)); // the request was taken but could not be delivered
            continue;
        }
        if (n < 0)
            sys::exit(2); // the harness is init's reason to live
        lkmemu_harness_request header;
        if (static_cast<size_t>(n) < sizeof(header)) {
            respond(-LKM_EINVAL);
            continue;
        }
        __builtin_memcpy(&header, g_request, sizeof(header));
        uint64_t claimed = sizeof(header) + static_cast<uint64_t>(header.args_length);
        if (claimed > static_cast<uint64_t>(n)) {
            // Truncated by the driver (larger than any message), or inconsistent.
            respond(static_cast<size_t>(n) == sizeof(g_request) ? -LKM_E2BIG : -LKM_EINVAL);
            continue;
        }
        const char* args = reinterpret_cast<const char*>(g_request + sizeof(header));
        if (header.args_length == 0 || args[header.args_length - 1] != '\0') {
            respond(-LKM_EINVAL); // the arguments are one NUL-terminated string
            continue;
        }
        g_current = reinterpret_cast<const lkmemu_harness_request*>(g_request);
        return { header.op, header.flags, args, header.args_length, header.data_length };
    }
}

} // namespace init
