// What init's request handlers share (user/init.cpp serves the harness; user/kmod.cpp handles the
// module requests).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lkmemu/harness.h>

namespace init {

constexpr size_t TEXT_BUFFER_SIZE = 256u << 10; // the kernel log is 128 KiB

// The response's text area; respond() sends status and the first text_length bytes of it.
char* response_text();
void respond(int harness, int status, size_t text_length);
// syslog(2)'s "<level>[time] text" lines as dmesg(1) shows them: without "<level>".
size_t strip_log_levels(char* text, size_t length);

// The module requests (kmod.cpp). args/data point into the request; args is not NUL-terminated.
struct request_view {
    uint32_t flags;
    const char* args;
    size_t args_length;
    const unsigned char* data;
    size_t data_length;
};
// Opens /dev/kmsg, where the module requests find the kernel's reason for a failure.
void open_kernel_log();
void serve_insmod(int harness, const request_view& request);
void serve_rmmod(int harness, const request_view& request);
void serve_lsmod(int harness);
void serve_read_file(int harness, const request_view& request);

// init_test=insmod_badptr (kernel command line -> init's environment): INSMOD passes an
// unmapped user address as the image, so that init_module's EFAULT path is tested through the
// real system call.
extern bool g_insmod_bad_pointer;

} // namespace init
