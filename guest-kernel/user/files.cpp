// init's side of dmesg and cat: syslog(2), and open/read(2) of the path the host names.
#include "init.h"
#include "syscall.h"

#include <lkmemu/errno.h>

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

void serve_read_file(const request& request)
{
    response_text& text = begin_response();
    long error = read_whole_file(request.args, text);
    if (error < 0)
        respond(static_cast<int>(error));
    else
        respond(0, text);
}

} // namespace init
