// What init's parts share: user/harness_channel.cpp holds init's end of /dev/harness (its request
// and response buffers), user/init.cpp serves requests, user/kmod.cpp answers the module requests
// and user/files.cpp the file and log requests.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lkmemu/harness.h>

namespace init {

// --- harness_channel.cpp ---

// A request as init received it. args is a NUL-terminated string where it lies in the request
// buffer, valid until the next request is read. Its data_length bytes of data are the file
// /dev/harness_data (harness_data_fd) until then.
struct request {
    uint32_t op;
    uint32_t flags;
    const char* args;
    size_t data_length;
};

// Opens /dev/harness and /dev/harness_data: 0, or the open's -errno (ENODEV without a host, e.g.
// under QEMU).
long open_harness();
// /dev/harness_data, open for reading: the current request's data, as a regular file.
int harness_data_fd();
// Room for the current request's data in init's own memory (the init_module(2) path), after the
// request's arguments: at least LKM_MAX_MODULE_IMAGE bytes.
unsigned char* request_data_buffer(size_t* capacity);
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
// ls [-l]: the directory's names sorted (or one line per entry with -l), or the file's line.
void serve_ls(const request& request);
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
// insmod_syscall=init_module: INSMOD reads the file into init's memory and calls init_module(2)
// instead of finit_module(2) (which it also falls back to when finit_module is ENOSYS, as kmod).
extern bool g_insmod_init_module;
// init_test=finit_badfd / finit_badflags / finit_chardev: INSMOD calls finit_module with fd -1,
// with an unknown flag (0x100), or with /dev/kmsg (a character device), to test its EBADF and
// EINVAL paths through the real system call.
enum class finit_test { none, bad_fd, bad_flags, char_device };
extern finit_test g_finit_test;

// --- selftest_sched.cpp ---
// init_test=sched: getpid/gettid/getppid/sched_yield and the FPU state across a context switch.
void run_sched_selftest();

// --- selftest_mm.cpp ---
// init_test=mm: brk, mmap, munmap, mprotect, mremap, madvise from ring 3, one line each to /dev/kmsg.
void run_mm_selftest();

// --- selftest_signals.cpp ---

// init_test=signals: the signal system calls checked from ring 3, one line each to /dev/kmsg.
void run_signals_selftest();
// init_test=signals_segv: a read of an unmapped address with SIGSEGV at SIG_DFL (init dies).
void signals_unhandled_segv();

// --- selftest_abi.cpp ---

// init_test=abi: uname, sysinfo, getrandom, limits, credentials, TLS, prctl, clocks and ENOSYS
// checked from ring 3, one line each to /dev/kmsg.
void run_abi_selftest();

// --- selftest_vfs.cpp ---

// init_test=vfs: the file system calls (files, directories, rename, symlinks, mounts, descriptors,
// errno cases) checked from ring 3, one line each to /dev/kmsg.
void run_vfs_selftest();

} // namespace init
