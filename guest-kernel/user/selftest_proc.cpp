// init_test=proc: processes through the real system calls from ring 3, before init starts
// serving: fork (two returns, a copy-on-write copy), vfork (shared memory, the parent held until
// the child's _exit or exec), wait4/waitid statuses and errors, an orphan reparented to init,
// execve of busybox and its errors, close-on-exec, "#!" scripts, RLIMIT_NPROC against a fork
// bomb, and 200 fork+exec+exit+wait with /proc/meminfo back to baseline. Each check writes one
// line to /dev/kmsg, "proc: NAME ok" or "proc: NAME FAILED (detail VALUE)", which
// tests/integration/proc_test.cpp asserts. The busybox checks need /bin/busybox in the guest;
// without it they say so in one line instead.
#include "init.h"
#include "selftest_log.h"
#include "syscall.h"

#include <lkmemu/errno.h>
#include <lkmemu/fcntl.h>
#include <lkmemu/mman.h>
#include <lkmemu/resource.h>
#include <lkmemu/signal.h>
#include <lkmemu/time.h>
#include <lkmemu/wait.h>

extern "C" void selftest_restore_rt(); // user/selftest_signals.cpp: rt_sigreturn

namespace init {

namespace {

selftest_log* g_log; // while run_proc_selftest runs

void check(const char* name, bool ok, const char* detail = "got", long value = 0)
{
    g_log->check(name, ok, detail, value);
}

template <typename T> long p(T* pointer) { return reinterpret_cast<long>(pointer); }

long fork() { return sc(sys::NR_fork); }
long wait4(long pid, int* status, long options = 0) { return sc(sys::NR_wait4, pid, p(status), options, 0); }
long kill(long pid, long sig) { return sc(sys::NR_kill, pid, sig); }
long getpid() { return sc(sys::NR_getpid); }
long getppid() { return sc(sys::NR_getppid); }
long execve(const char* path, const char* const* argv, const char* const* envp = nullptr)
{
    return sc(sys::NR_execve, p(path), p(argv), p(envp));
}
long open(const char* path, long flags, long mode = 0) { return sc(sys::NR_open, p(path), flags, mode); }
long close_fd(long fd) { return sc(sys::NR_close, fd); }
long rd(long fd, void* buf, size_t n) { return sc(sys::NR_read, fd, p(buf), static_cast<long>(n)); }
long wr(long fd, const void* buf, size_t n) { return sc(sys::NR_write, fd, p(buf), static_cast<long>(n)); }
[[noreturn]] void child_exit(long code)
{
    sc(sys::NR_exit_group, code);
    __builtin_unreachable();
}
void sleep_ms(long ms)
{
    lkm_timespec ts { 0, ms * 1000 * 1000 };
    sc(sys::NR_nanosleep, p(&ts), 0);
}
[[noreturn]] void pause_forever()
{
    for (;;)
        sc(sys::NR_pause);
}

size_t length(const char* s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}
bool same(const char* a, const char* b, long n)
{
    for (long i = 0; i < n; i++) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

// A file's first bytes, NUL-terminated; its length or -errno.
long read_file(const char* path, char* buf, size_t size)
{
    long fd = open(path, LKM_O_RDONLY);
    if (fd < 0)
        return fd;
    long n = rd(fd, buf, size - 1);
    close_fd(fd);
    buf[n > 0 ? n : 0] = 0;
    return n;
}
long write_file(const char* path, const char* text, long mode)
{
    long fd = open(path, LKM_O_WRONLY | LKM_O_CREAT | LKM_O_TRUNC, mode);
    if (fd < 0)
        return fd;
    long n = wr(fd, text, length(text));
    close_fd(fd);
    return n;
}

// fork, then in the child: stdout to path (created, truncated) and exec argv; the status.
long run_to_file(const char* path, const char* const* argv, int stdout_flags = 0)
{
    long pid = fork();
    if (pid == 0) {
        long fd = open(path, LKM_O_WRONLY | LKM_O_CREAT | LKM_O_TRUNC, 0644);
        if (fd < 0)
            child_exit(120);
        if (sc(sys::NR_dup3, fd, 1, stdout_flags) != 1)
            child_exit(121);
        close_fd(fd);
        execve(argv[0], argv);
        child_exit(122);
    }
    int status = -1;
    if (pid < 0 || wait4(pid, &status) != pid)
        return -1000 + pid;
    return status;
}

int g_cow_value = 1;
volatile int g_vfork_value;

void check_fork()
{
    int status = -1;
    check("wait4 without children is ECHILD", wait4(-1, &status) == -LKM_ECHILD);
    long parent = getpid();
    long pid = fork();
    if (pid == 0) {
        // The child: fork returned 0, its parent is the caller, and its writes are its own.
        g_cow_value = 2;
        child_exit(getppid() == parent && g_cow_value == 2 ? 7 : 1);
    }
    check("fork returns the child's pid to the parent", pid > 1, "pid", pid);
    long reaped = wait4(pid, &status);
    check("fork returns 0 to the child, whose getppid is the parent", reaped == pid && status == 7 << 8, "status",
          status);
    check("the child's writes are invisible to the parent (copy-on-write)", g_cow_value == 1, "value", g_cow_value);
    check("a reaped child is gone (ECHILD)", wait4(pid, &status) == -LKM_ECHILD);
}

void check_vfork()
{
    g_vfork_value = 0;
    long pid;
    // The child runs on the parent's stack until it exits: nothing but a store and exit.
    asm volatile("syscall" : "=a"(pid) : "a"(sys::NR_vfork) : "rcx", "r11", "memory");
    if (pid == 0) {
        g_vfork_value = 42;
        asm volatile("syscall" ::"a"(sys::NR_exit), "D"(5) : "rcx", "r11", "memory");
        __builtin_unreachable();
    }
    // Resumed only once the child has exited: its write is there, it is a zombie.
    int value = g_vfork_value;
    check("vfork shares memory and the parent resumes after the child's _exit", pid > 1 && value == 42, "value", value);
    int status = -1;
    long reaped = wait4(pid, &status);
    check("vfork child's status is its exit code", reaped == pid && status == 5 << 8, "status", status);
}

void check_statuses()
{
    int status = -1;
    long pid = fork();
    if (pid == 0)
        child_exit(3);
    check("wait4 status of exit(3) is 0x300", wait4(pid, &status) == pid && status == 0x300, "status", status);

    pid = fork();
    if (pid == 0)
        pause_forever();
    check("WNOHANG with a live child returns 0", wait4(pid, &status, LKM_WNOHANG) == 0);
    kill(pid, LKM_SIGKILL);
    check("wait4 status of SIGKILL is 9", wait4(pid, &status) == pid && status == LKM_SIGKILL, "status", status);

    pid = fork();
    if (pid == 0) {
        *reinterpret_cast<volatile int*>(0) = 1; // the kernel logs "segfault at 0" and kills only this
        child_exit(1);
    }
    check("wait4 status of a NULL write is SIGSEGV (11)", wait4(pid, &status) == pid && status == LKM_SIGSEGV,
          "status", status);

    // waitid: the siginfo of an exit and of a kill; WNOWAIT leaves the child waitable.
    pid = fork();
    if (pid == 0)
        child_exit(5);
    lkm_siginfo info {};
    long ret = sc(sys::NR_waitid, LKM_P_PID, pid, p(&info), LKM_WEXITED | LKM_WNOWAIT, 0);
    check("waitid WNOWAIT: CLD_EXITED, si_status 5, si_pid",
          ret == 0 && info.si_signo == LKM_SIGCHLD && info.si_code == LKM_CLD_EXITED && info.si_status == 5 &&
              info.si_pid == pid,
          "si_code", info.si_code);
    check("after WNOWAIT the child is still waitable", wait4(pid, &status) == pid && status == 5 << 8, "status", status);
    pid = fork();
    if (pid == 0)
        pause_forever();
    info = {};
    ret = sc(sys::NR_waitid, LKM_P_PID, pid, p(&info), LKM_WEXITED | LKM_WNOHANG, 0);
    check("waitid WNOHANG with a live child: 0 and si_pid 0", ret == 0 && info.si_pid == 0 && info.si_signo == 0);
    kill(pid, LKM_SIGKILL);
    ret = sc(sys::NR_waitid, LKM_P_ALL, 0, p(&info), LKM_WEXITED, 0);
    check("waitid of a SIGKILL: CLD_KILLED, si_status 9",
          ret == 0 && info.si_code == LKM_CLD_KILLED && info.si_status == LKM_SIGKILL && info.si_pid == pid, "si_code",
          info.si_code);
    check("waitid without WEXITED/WSTOPPED/WCONTINUED is EINVAL",
          sc(sys::NR_waitid, LKM_P_ALL, 0, p(&info), LKM_WNOHANG, 0) == -LKM_EINVAL);
    check("wait4 with an unknown option is EINVAL", wait4(-1, &status, 0x100) == -LKM_EINVAL);
}

int g_usr1_runs;
extern "C" void proc_usr1_handler(int) { g_usr1_runs++; }

void check_eintr()
{
    lkm_sigaction act {};
    act.sa_handler = reinterpret_cast<uint64_t>(&proc_usr1_handler);
    act.sa_flags = LKM_SA_RESTORER; // no SA_RESTART: the wait ends with EINTR
    act.sa_restorer = reinterpret_cast<uint64_t>(&selftest_restore_rt);
    sc(sys::NR_rt_sigaction, LKM_SIGUSR1, p(&act), 0, 8);
    long pid = fork();
    if (pid == 0) {
        sleep_ms(10); // the parent is asleep in wait4 by then
        kill(getppid(), LKM_SIGUSR1);
        pause_forever();
    }
    int status = -1;
    long ret = wait4(pid, &status);
    check("wait4 interrupted by a handled signal is EINTR", ret == -LKM_EINTR && g_usr1_runs == 1, "ret", ret);
    kill(pid, LKM_SIGKILL);
    wait4(pid, &status);
    act.sa_handler = LKM_SIG_DFL;
    sc(sys::NR_rt_sigaction, LKM_SIGUSR1, p(&act), 0, 8);
}

void check_orphan()
{
    long child = fork();
    if (child == 0) {
        long grandchild = fork();
        if (grandchild == 0) {
            // Reparented to init once its parent is gone.
            for (int i = 0; i < 100 && getppid() != 1; i++)
                sleep_ms(1);
            child_exit(getppid() == 1 ? 9 : 1);
        }
        child_exit(grandchild > 0 ? 0 : 1);
    }
    int status = -1;
    wait4(child, &status);
    long reaped = wait4(-1, &status);
    check("an orphaned grandchild is reparented to init (getppid 1) and init reaps it",
          reaped > child && status == 9 << 8, "status", status);
}

bool g_have_busybox;

void check_exec()
{
    sc(sys::NR_mkdir, p("/tmp"), 01777);
    // Failed execs straight from init: a failure leaves the caller as it was.
    const char* const no_args[] = { "x", nullptr };
    check("execve of a missing file is ENOENT", execve("/nonexistent", no_args) == -LKM_ENOENT);
    write_file("/tmp/proc-text", "hello, not a program\n", 0755);
    check("execve of a text file without #! is ENOEXEC", execve("/tmp/proc-text", no_args) == -LKM_ENOEXEC);
    write_file("/tmp/proc-noexec", "#!/bin/busybox true\n", 0644);
    check("execve without an x bit is EACCES", execve("/tmp/proc-noexec", no_args) == -LKM_EACCES);
    check("execve of a directory is EACCES", execve("/tmp", no_args) == -LKM_EACCES);
    check("execve with a bad argv pointer is EFAULT",
          sc(sys::NR_execve, p("/tmp/proc-text"), 0x10, 0) == -LKM_EFAULT);
    // One argument of MAX_ARG_STRLEN bytes without its NUL is E2BIG.
    constexpr long MAX_ARG_STRLEN = 32 * 4096;
    long big = sc(sys::NR_mmap, 0, MAX_ARG_STRLEN + 4096, LKM_PROT_READ | LKM_PROT_WRITE,
                  LKM_MAP_PRIVATE | LKM_MAP_ANONYMOUS, -1, 0);
    if (big > 0) {
        char* text = reinterpret_cast<char*>(big);
        for (long i = 0; i < MAX_ARG_STRLEN; i++)
            text[i] = 'a';
        const char* const long_args[] = { "x", text, nullptr };
        check("execve with an argument of MAX_ARG_STRLEN bytes is E2BIG",
              execve("/tmp/proc-text", long_args) == -LKM_E2BIG);
        sc(sys::NR_munmap, big, MAX_ARG_STRLEN + 4096);
    }
    check("init is still itself after the failed execs", getpid() == 1);

    long probe = open("/bin/busybox", LKM_O_RDONLY);
    g_have_busybox = probe >= 0;
    if (!g_have_busybox) {
        g_log->say("no /bin/busybox in the guest: exec checks skipped");
        return;
    }
    close_fd(probe);
    long pid = fork();
    if (pid == 0) {
        const char* const argv[] = { "/bin/busybox", "true", nullptr };
        execve(argv[0], argv);
        child_exit(100);
    }
    int status = -1;
    check("exec of /bin/busybox true: status 0", wait4(pid, &status) == pid && status == 0, "status", status);

    char out[64];
    const char* const echo[] = { "/bin/busybox", "echo", "hi", nullptr };
    status = static_cast<int>(run_to_file("/tmp/proc-echo", echo));
    long n = read_file("/tmp/proc-echo", out, sizeof out);
    check("exec of /bin/busybox echo hi writes hi to its stdout", status == 0 && n == 3 && same(out, "hi\n", 3),
          "status", status);

    // The same with stdout close-on-exec: echo finds no descriptor 1 and fails.
    status = static_cast<int>(run_to_file("/tmp/proc-cloexec", echo, LKM_O_CLOEXEC));
    n = read_file("/tmp/proc-cloexec", out, sizeof out);
    check("a close-on-exec descriptor is closed by exec", status != 0 && (status & 0x7f) == 0 && n == 0, "status",
          status);

    // "#!": the interpreter runs with its argument and the script's path.
    write_file("/tmp/proc-script", "#!/bin/busybox echo\nnot run\n", 0755);
    const char* const script[] = { "/tmp/proc-script", "extra", nullptr };
    status = static_cast<int>(run_to_file("/tmp/proc-script-out", script));
    n = read_file("/tmp/proc-script-out", out, sizeof out);
    check("a #! script runs its interpreter with the script's path", status == 0 && n == 23 &&
          same(out, "/tmp/proc-script extra\n", 23), "length", n);

    // vfork + exec: the parent is held until the child's exec.
    const char* const truth[] = { "/bin/busybox", "true", nullptr };
    asm volatile("syscall"
                 : "=a"(pid)
                 : "a"(sys::NR_vfork)
                 : "rcx", "r11", "memory");
    if (pid == 0) {
        long r;
        asm volatile("syscall" : "=a"(r) : "a"(sys::NR_execve), "D"(truth[0]), "S"(truth), "d"(0) : "rcx", "r11", "memory");
        asm volatile("syscall" ::"a"(sys::NR_exit), "D"(100) : "rcx", "r11", "memory");
        __builtin_unreachable();
    }
    check("vfork: the parent resumes after the child's exec, status 0", pid > 1 && wait4(pid, &status) == pid && status == 0,
          "status", status);
}

// The bomber: RLIMIT_NPROC 16 for uid 1000, then fork until refused. Exits with the number of
// children it made when the refusal was EAGAIN (200 + errno otherwise), after killing and
// reaping them all.
[[noreturn]] void fork_bomb()
{
    lkm_rlimit64 limit { 16, 16 };
    if (sc(sys::NR_prlimit64, 0, LKM_RLIMIT_NPROC, p(&limit), 0) != 0 || sc(sys::NR_setresuid, 1000, 1000, 1000) != 0)
        child_exit(250);
    long pids[64];
    int made = 0;
    long error = 0;
    while (made < 64) {
        long pid = fork();
        if (pid == 0)
            pause_forever();
        if (pid < 0) {
            error = pid;
            break;
        }
        pids[made++] = pid;
    }
    for (int i = 0; i < made; i++)
        kill(pids[i], LKM_SIGKILL);
    int status;
    int reaped = 0;
    while (wait4(-1, &status) > 0)
        reaped++;
    child_exit(error == -LKM_EAGAIN && reaped == made ? made : 200 - error);
}

void check_fork_bomb()
{
    long pid = fork();
    if (pid == 0)
        fork_bomb();
    int status = -1;
    wait4(pid, &status);
    check("RLIMIT_NPROC 16 for uid 1000 stops a fork bomb with EAGAIN after 15 children, all reaped",
          status == 15 << 8, "status", status);
    // Root is exempt from RLIMIT_NPROC (as with CAP_SYS_RESOURCE); threads-max stops it.
    long pids[4096];
    long made = 0, error = 0;
    while (made < 4096) {
        long child = fork();
        if (child == 0)
            pause_forever();
        if (child < 0) {
            error = child;
            break;
        }
        pids[made++] = child;
    }
    for (long i = 0; i < made; i++)
        kill(pids[i], LKM_SIGKILL);
    long reaped = 0;
    while (wait4(-1, &status) > 0)
        reaped++;
    check("a fork bomb as root stops at threads-max with EAGAIN, all reaped",
          error == -LKM_EAGAIN && made > 16 && reaped == made, "error", error);
}

// /proc/meminfo's text, NUL-terminated, or -errno.
long meminfo(char* buf, size_t size) { return read_file("/proc/meminfo", buf, size); }

void check_many_execs()
{
    if (!g_have_busybox)
        return;
    const char* const argv[] = { "/bin/busybox", "true", nullptr };
    char before[512] = {}, after[512] = {};
    // One round first, so that what the first exec makes once (page cache, dentries) is there.
    for (int round = 0; round < 201; round++) {
        if (round == 1)
            meminfo(before, sizeof before);
        long pid = fork();
        if (pid == 0) {
            execve(argv[0], argv);
            child_exit(100);
        }
        int status = -1;
        if (wait4(pid, &status) != pid || status != 0) {
            check("200 fork+exec+exit+wait", false, "round", round);
            return;
        }
    }
    long after_len = meminfo(after, sizeof after);
    long before_len = length(before);
    check("200 fork+exec+exit+wait with /proc/meminfo back to baseline",
          before_len > 0 && after_len == before_len && same(before, after, before_len), "length", after_len);
}

} // namespace

void run_proc_selftest()
{
    selftest_log log("proc");
    g_log = &log;
    check_fork();
    check_vfork();
    check_statuses();
    check_eintr();
    check_orphan();
    check_exec();
    check_fork_bomb();
    check_many_execs();
    log.done();
    g_log = nullptr;
}

} // namespace init
