// init's children: fork(2), wait4(2) and exit_group(2) by their Linux numbers, and a call made in
// a child process as a shell makes it by running a tool (kmod's insmod): a fault that kills the
// caller kills the child, and init (whose death is the kernel's panic) goes on.
#include "init.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/linux_syscalls.h>
#include <lkmemu/signal.h>

namespace init {

long fork_process()
{
    long pid = sys::syscall(LINUX_NR_fork);
    if (pid == -LKM_ENOSYS) // as glibc's fork: clone with SIGCHLD only
        pid = sys::syscall(LINUX_NR_clone, LKM_SIGCHLD, 0, 0, 0);
    return pid;
}

long wait_child(long pid, int* status)
{
    for (;;) {
        long ret = sys::syscall(LINUX_NR_wait4, pid, reinterpret_cast<long>(status), 0, 0);
        if (ret == -LKM_EINTR)
            continue;
        return ret < 0 ? ret : 0;
    }
}

[[noreturn]] void exit_process(int code)
{
    sys::syscall(LINUX_NR_exit_group, code);
    sys::exit(code);
}

long call_in_child(long (*call)(const void* arg), const void* arg)
{
    long pid = fork_process();
    if (pid == -LKM_ENOSYS) {
        // A kernel without fork: the call is init's own, as before, and its answer does not
        // carry the kernel's note of the unimplemented call.
        mark_log();
        return call(arg);
    }
    if (pid < 0)
        return pid;
    if (pid == 0) {
        long ret = call(arg);
        exit_process(ret < 0 ? static_cast<int>(-ret) : 0); // an errno fits an exit code
    }
    int status = 0;
    if (long err = wait_child(pid, &status); err < 0)
        return err;
    if (LKMEMU_WAIT_EXITED(status))
        return -static_cast<long>(LKMEMU_WAIT_EXIT_CODE(status));
    return status;
}

bool g_module_calls_in_child;

long module_call_in_task(long (*call)(const void* arg), const void* arg)
{
    if (!g_module_calls_in_child) {
        mark_log();
        return call(arg);
    }
    return call_in_child(call, arg);
}

} // namespace init
