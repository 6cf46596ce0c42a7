// What init's parts share: user/harness_channel.cpp holds init's end of /dev/harness (its request
// and response buffers), user/init.cpp serves requests, user/kmod.cpp answers the module requests
// and user/files.cpp the file and log requests.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lkmemu/harness.h>

namespace init {

// --- harness_channel.cpp ---

// A request as init received it. args is a NUL-terminated string and data its data_length
// bytes, both where they lie in the request buffer, valid until the next request is read.
struct request {
    uint32_t op;
    uint32_t flags;
    const char* args;
    const unsigned char* data;
    size_t data_length;
};

// Opens /dev/harness: 0, or the open's -errno (ENODEV without a host, e.g. under QEMU).
long open_harness();
// Waits for the host's next well-formed request (a malformed one is answered here).
request next_request();

// The response's text, built in place: respond() sends the status and the text so far.
struct response_text {
    char* text;
    size_t length;
    size_t capacity;

    void append(const char* s, size_t n);
    void append(const char* s);
};
constexpr size_t RESPONSE_TEXT_CAPACITY = LKMEMU_HARNESS_MAX_MESSAGE - sizeof(lkmemu_harness_response);
// The text of the response to the current request, empty.
response_text& begin_response();
void respond(int status, const response_text& text);
void respond(int status); // no text

// --- files.cpp ---

void serve_dmesg();
void serve_read_file(const request& request);
// A whole file into text (up to its capacity); 0 or a negative errno. Opened non-blocking, so
// that a device that would wait for more (/dev/kmsg) ends the file instead.
long read_whole_file(const char* path, response_text& text);
// syslog(2)'s "<level>[time] text" lines as dmesg(1) shows them: without "<level>".
size_t strip_log_levels(char* text, size_t length);

// --- kmod.cpp ---

// Opens /dev/kmsg, where the module requests find the kernel's reason for a failure.
void open_kernel_log();
void serve_insmod(const request& request);
void serve_rmmod(const request& request);
void serve_lsmod();

// init_test=insmod_badptr (kernel command line -> init's environment): INSMOD passes an
// unmapped user address as the image, so that init_module's EFAULT path is tested through the
// real system call.
extern bool g_insmod_bad_pointer;

} // namespace init
