// init's side of exec and sh: the program runs as init's child, as a shell runs it. init forks;
// the child takes /dev/null as stdin and a pipe to init as stdout and stderr, and execve's the
// path with the request's argv and a small fixed environment. init forwards what the pipe carries
// as the answer's text, in parts, until the pipe's end (every writer gone), then waits for the
// child: its wait status is the answer's status (abi/lkmemu/harness.h).
//
// Whether execve worked is told by a second, close-on-exec pipe (as posix_spawn and busybox do):
// it closes with nothing written when the program starts, or carries execve's errno, which is then
// the answer (ENOENT, ENOEXEC ... with what the kernel logged), not an exit status.
#include "init.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/linux_syscalls.h>

namespace init {

namespace {

// A program's environment, as a minimal init's (the shell reads PATH to find the applets).
const char* const kEnvironment[] = { "PATH=/sbin:/bin", "HOME=/", "TERM=dumb", nullptr };

long pipe(int fds[2]) { return sys::syscall(LINUX_NR_pipe2, reinterpret_cast<long>(fds), sys::O_CLOEXEC); }

long dup2(int from, int to) { return sys::syscall(LINUX_NR_dup2, from, to); }

// The child, after fork: its descriptors, then the program. It never returns.
[[noreturn]] void start_program(const char* path, const char* const* argv, int output, int error_report)
{
    long null = sys::open("/dev/null", sys::O_RDWR);
    long err = null < 0 ? null : dup2(static_cast<int>(null), 0);
    if (err >= 0)
        err = dup2(output, 1);
    if (err >= 0)
        err = dup2(output, 2);
    if (err >= 0)
        err = sys::syscall(LINUX_NR_execve, reinterpret_cast<long>(path), reinterpret_cast<long>(argv),
                           reinterpret_cast<long>(kEnvironment));
    int error_number = static_cast<int>(-err);
    sys::write(error_report, &error_number, sizeof(error_number));
    exit_process(127); // a shell's status for a program it could not run
}

// The request's argv as pointers into the request, in the request's data area (init has no heap):
// as many as the arguments hold. nullptr when they do not fit (they always do: the area is larger
// than the request).
const char* const* build_argv(const request& request, const char** path)
{
    const char* args = request.args;
    size_t count = 0;
    for (size_t i = 0; i < request.args_length; i++)
        count += args[i] == '\0';
    // count strings: the path and count - 1 arguments, then argv's terminating nullptr.
    size_t capacity;
    auto* argv = reinterpret_cast<const char**>(request_data_buffer(&capacity));
    if (count * sizeof(char*) > capacity)
        return nullptr;
    *path = args;
    size_t at = 0, n = 0;
    while (args[at])
        at++;
    for (at++; at < request.args_length; n++) {
        argv[n] = args + at;
        while (args[at])
            at++;
        at++;
    }
    argv[n] = nullptr;
    return argv;
}

} // namespace

void serve_exec(const request& request)
{
    const char* path = nullptr;
    const char* const* argv = build_argv(request, &path);
    if (!argv) {
        respond(-LKM_E2BIG);
        return;
    }
    int output[2], error_report[2];
    if (long err = pipe(output); err < 0) {
        respond(static_cast<int>(err));
        return;
    }
    if (long err = pipe(error_report); err < 0) {
        sys::close(output[0]);
        sys::close(output[1]);
        respond(static_cast<int>(err));
        return;
    }
    mark_log();
    long pid = fork_process();
    if (pid == 0)
        start_program(path, argv, output[1], error_report[1]);
    sys::close(output[1]);
    sys::close(error_report[1]);
    if (pid < 0) {
        sys::close(output[0]);
        sys::close(error_report[0]);
        respond(static_cast<int>(pid));
        return;
    }

    int exec_errno = 0;
    long reported = sys::read(error_report[0], &exec_errno, sizeof(exec_errno));
    sys::close(error_report[0]);
    response_text& text = begin_response();
    if (reported != static_cast<long>(sizeof(exec_errno))) {
        // The program runs: forward its output until every writer has closed the pipe.
        for (;;) {
            if (text.length == RESPONSE_PART_SIZE)
                send_part(text);
            long n = sys::read(output[0], text.text + text.length, RESPONSE_PART_SIZE - text.length);
            if (n == -LKM_EINTR)
                continue;
            if (n <= 0)
                break;
            text.length += static_cast<size_t>(n);
        }
    }
    sys::close(output[0]);
    int status = 0;
    if (long err = wait_child(pid, &status); err < 0) {
        respond(static_cast<int>(err), text);
        return;
    }
    if (reported == static_cast<long>(sizeof(exec_errno))) {
        append_log_since_mark(text); // e.g. the interpreter a dynamically linked program asks for
        respond(-exec_errno, text);
        return;
    }
    respond(status, text);
}

} // namespace init
