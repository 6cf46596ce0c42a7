// What init's parts share: user/harness_channel.cpp holds init's end of /dev/harness (its request
// and response buffers), user/init.cpp serves requests, user/kmod.cpp answers the module requests
// and user/files.cpp the file and log requests.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <lkmemu/harness.h>
#include <lkmemu/linux_syscalls.h>

namespace init {

// Every Linux system call by its x86-64 number (abi/lkmemu/linux_syscalls.h), for the calls
// syscall.h's list of this kernel's own does not name.
enum : long {
#define LINUX_NR(nr, name) LINUX_NR_##name = nr,
    LKM_LINUX_SYSCALL_NAMES(LINUX_NR)
#undef LINUX_NR
};

// --- harness_channel.cpp ---

// A request as init received it. args is a NUL-terminated string where it lies in the request
// buffer, valid until the next request is read. Its data_length bytes of data are the file
// /dev/harness_data (harness_data_fd) until then.
struct request {
    uint32_t op;
    uint32_t flags;
    const char* args;
    size_t args_length; // with the last NUL; EXEC and INSMOD_FILE hold several strings
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
// flags: LKMEMU_HARNESS_RESPONSE_* (NOT_OPENED).
void respond(int status, const response_text& text, uint32_t flags = 0);
void respond(int status); // no text
// A long answer in parts: sends the text so far as one (LKMEMU_HARNESS_RESPONSE_MORE) and empties
// it; the answer's last part is the respond() that follows.
void send_part(response_text& text);
// The size at which an answer that streams (cat, exec) sends a part: what init's response buffer
// has backed by pages stays this small, whatever the size of the whole.
constexpr size_t RESPONSE_PART_SIZE = 64 * 1024;

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
// INSMOD_FILE: a module file of the guest's, opened by init.
void serve_insmod_file(const request& request);
void serve_rmmod(const request& request);
void serve_lsmod();
// What a failed call logged, for its answer: mark_log() before the call, then the records logged
// since as lines of text.
void mark_log();
void append_log_since_mark(response_text& text);

// --- exec_command.cpp ---

// EXEC: the program run as init's child, its output streamed, its wait status the answer.
void serve_exec(const request& request);

// --- process.cpp ---

// Runs call(arg) in a child process, as a shell runs kmod's insmod, so that an oops during the
// call kills the child, not init. Returns the call's result (0 or -errno, carried as the child's
// exit code) or, when the child was killed by a signal, its wait status (> 0). Where fork is
// ENOSYS, the call is made by init itself.
long call_in_child(long (*call)(const void* arg), const void* arg);
// insmod_in=child (kernel command line -> init's environment): the harness's insmod and rmmod run
// in a child of init, as a shell runs kmod's tools, so an oops during a load kills that child and
// init goes on. The default (insmod_in=init) makes the calls in init itself, whose oops the kernel
// recovers as a failed call (EFAULT): the behaviour the module fault tests assert today.
extern bool g_module_calls_in_child;
// call(arg) in a child when g_module_calls_in_child, else in init.
long module_call_in_task(long (*call)(const void* arg), const void* arg);
// fork(2): the child's pid in the parent, 0 in the child, or -errno.
long fork_process();
// wait4(2) for the child pid, retried when a signal interrupts it: 0 with its status, or -errno.
long wait_child(long pid, int* status);
[[noreturn]] void exit_process(int code);

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

// --- selftest_pipe.cpp ---

// init_test=pipe: pipes, FIFOs, poll/ppoll/select/pselect6 checked from ring 3, one line each
// to /dev/kmsg.
void run_pipe_selftest();

// --- selftest_proc.cpp ---

// init_test=proc: fork, vfork, wait4/waitid, orphans, execve and its errors, close-on-exec, "#!",
// RLIMIT_NPROC and 200 fork+exec+exit+wait against the meminfo baseline, one line each to /dev/kmsg.
void run_proc_selftest();

// --- selftest_tty.cpp ---

// init_test=tty: process groups and sessions, the console's termios, window size and controlling
// terminal, kill(0/-pgrp/-1), stop and continue, background jobs, one line each to /dev/kmsg.
void run_tty_selftest();

} // namespace init
