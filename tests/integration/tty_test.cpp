// The console as a terminal (guest-kernel/drivers/tty/), process groups and sessions
// (kernel/jobctl.cpp) and job control (kernel/signal_stop.cpp): init_test=tty's checks through
// real system calls (user/selftest_tty.cpp), and `lkmemu run --init /bin/sh` under a
// pseudo-terminal, typed at as a person would: a command, a pipeline, Ctrl-C of a foreground
// job, exit. (Ctrl-C of `sleep 10` needs clock_nanosleep, which busybox's sleep calls and the
// kernel does not have yet: cat, waiting in a read of the terminal, stands in for it.)
#include "session.h"

#include <chrono>
#include <csignal>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

const char* const k_tty_lines[] = {
    "tty: getpgrp of init is 1 ok",
    "tty: getpgid(0) is 1 ok",
    "tty: getsid(0) is 1 ok",
    "tty: getsid(1) is 1 ok",
    "tty: getpgid of no such pid is ESRCH ok",
    "tty: getsid of no such pid is ESRCH ok",
    "tty: setsid of a group leader is EPERM ok",
    "tty: setpgid of a session leader is EPERM ok",
    "tty: setpgid with a negative pgid is EINVAL ok",
    "tty: setpgid of no such pid is ESRCH ok",
    "tty: kill(-1) with no other process is ESRCH ok",
    "tty: kill(-pgrp) of an empty group is ESRCH ok",
    "tty: kill(0, 0) reaches init's group ok",
    "tty: open /dev/console ok",
    "tty: TCGETS on /dev/console ok",
    "tty: default lflag ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN ok",
    "tty: default iflag ICRNL IXON ok",
    "tty: default oflag OPOST ONLCR ok",
    "tty: default VINTR ^C VERASE ^? VEOF ^D VMIN 1 ok",
    "tty: TCSETS then TCGETS round trip ok",
    "tty: raw read with VMIN 0 VTIME 1 and no input is 0 ok",
    "tty: TCSETSF restores the defaults ok",
    "tty: TCSETSW ok",
    "tty: TIOCGWINSZ is 24x80 ok",
    "tty: TIOCSWINSZ then TIOCGWINSZ ok",
    "tty: FIONREAD with no input is 0 ok",
    "tty: TCFLSH TCIFLUSH ok",
    "tty: TCFLSH of a bad queue is EINVAL ok",
    "tty: TCXONC TCOON ok",
    "tty: TCGETS with a bad pointer is EFAULT ok",
    "tty: an unknown terminal ioctl is ENOTTY ok",
    "tty: TCGETS on /dev/kmsg is ENOTTY ok",
    "tty: TIOCGPGRP without a controlling terminal is ENOTTY ok",
    "tty: /dev/tty without a controlling terminal is ENXIO ok",
    "tty: TIOCSCTTY by a session leader ok",
    "tty: TIOCSCTTY again is 0 ok",
    "tty: TIOCGPGRP is 1 ok",
    "tty: TIOCGSID is 1 ok",
    "tty: /dev/tty opens the controlling terminal ok",
    "tty: TIOCSPGRP of an empty group is ESRCH ok",
    "tty: TIOCSPGRP of a negative group is EINVAL ok",
    "tty: TIOCSPGRP of init's group ok",
    "tty: setpgid of a child into a group of its own ok",
    "tty: getpgid of the child is its pid ok",
    "tty: setpgid into a group that does not exist is EPERM ok",
    "tty: kill(-pgrp, SIGTERM) ok",
    "tty: the group's process died of SIGTERM ok",
    "tty: kill(-pgrp) of the reaped group is ESRCH ok",
    "tty: a child inherits its parent's group ok",
    "tty: kill(0, SIGUSR1) ok",
    "tty: the child in init's group died of SIGUSR1 ok",
    "tty: kill(-1, SIGUSR2) ok",
    "tty: the other process died of SIGUSR2 ok",
    "tty: a child's setsid makes a session (and a second is EPERM) ok",
    "tty: getsid of the new session's leader is its pid ok",
    "tty: setpgid of a child in another session is EPERM ok",
    "tty: SIGKILL ends a stopped process ok",
    "tty: kill SIGSTOP ok",
    "tty: wait4(WUNTRACED) reports the stop by SIGSTOP ok",
    "tty: kill SIGCONT ok",
    "tty: wait4(WCONTINUED) reports the continue ok",
    "tty: a signal sent while stopped is taken after SIGCONT ok",
    "tty: SIGTSTP to an orphaned group is discarded ok",
    "tty: a background read stops with SIGTTIN ok",
    "tty: a background TCSETS stops with SIGTTOU ok",
    "tty: a background read with SIGTTIN ignored is EIO ok",
    "tty: SIGTSTP stops a job whose shell is not init ok",
    "tty: a background read in an orphaned group is EIO ok",
    "tty: TIOCNOTTY gives the terminal up ok",
    "tty: /dev/tty after TIOCNOTTY is ENXIO ok",
    "tty: selftest done, 70 passed, 0 failed",
};

// lkmemu under a pseudo-terminal: what it prints, and keys typed at it.
class PtyLkmemu {
public:
    explicit PtyLkmemu(const std::string& arguments)
    {
        struct winsize ws { 30, 100, 0, 0 };
        m_pid = forkpty(&m_master, nullptr, nullptr, &ws);
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            std::string command = std::string(LKMEMU_BINARY_PATH) + " " + arguments;
            execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
    }
    ~PtyLkmemu()
    {
        if (m_pid > 0 && !m_exited) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
        close(m_master);
    }

    void type(const std::string& keys) { REQUIRE(write(m_master, keys.data(), keys.size()) == ssize_t(keys.size())); }

    // Reads until `text` has appeared after what earlier waits consumed; false if lkmemu ended or
    // a minute of wall time passed first (a hang guard only: nothing here depends on timing).
    bool wait_for(const std::string& text)
    {
        auto const give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        for (;;) {
            size_t at = m_output.find(text, m_seen);
            if (at != std::string::npos) {
                m_seen = at + text.size();
                return true;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            pollfd fd {m_master, POLLIN, 0};
            if (poll(&fd, 1, static_cast<int>(left.count())) <= 0)
                continue;
            char buffer[4096];
            ssize_t n = read(m_master, buffer, sizeof(buffer));
            if (n <= 0)
                return false; // EIO: the child side closed
            m_output.append(buffer, static_cast<size_t>(n));
        }
    }
    int exit_status()
    {
        int status = 0;
        waitpid(m_pid, &status, 0);
        m_exited = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    const std::string& output() const { return m_output; }

private:
    pid_t m_pid = -1;
    int m_master = -1;
    bool m_exited = false;
    std::string m_output;
    size_t m_seen = 0;
};

bool host_has_busybox() { return access("/bin/busybox", X_OK) == 0 || access("/usr/bin/busybox", X_OK) == 0; }

} // namespace

TEST_CASE("init_test=tty: groups, sessions, termios, the controlling terminal and job control", "[tty]")
{
    Session s = run_session("dmesg", "init_test=tty");
    INFO(s.console());
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    REQUIRE(s.result(0).ok);
    std::vector<std::string> const lines = selftest_lines(s.result(0).output, "tty: ");
    std::vector<std::string> const expected(std::begin(k_tty_lines), std::end(k_tty_lines));
    CHECK(lines == expected);
}

TEST_CASE("lkmemu run: --init with -c is a usage error", "[tty]")
{
    CliOutcome const outcome = run_lkmemu("run --init /bin/sh -c lsmod");
    CHECK(outcome.status != 0);
    CHECK(contains(outcome.output, "--init"));
}

TEST_CASE("lkmemu run: --init of a missing program panics with Linux's words", "[tty]")
{
    CliOutcome const outcome = run_lkmemu("run --init /no/such/init");
    CHECK(contains(outcome.output, "Requested init /no/such/init failed (error -2)."));
    CHECK(outcome.status == 3); // the guest crashed: a panic
}

TEST_CASE("lkmemu run --init /bin/sh: an interactive busybox shell on the console", "[tty]")
{
    if (!host_has_busybox()) {
        WARN("busybox is not installed on the host (Debian's busybox-static): the interactive shell test is skipped");
        return;
    }
    PtyLkmemu shell("run --init /bin/sh");
    REQUIRE(shell.wait_for("Run /bin/sh as init process"));
    REQUIRE(shell.wait_for("# "));
    shell.type("echo hello\r");
    CHECK(shell.wait_for("echo hello\r\n")); // the line discipline's echo, ONLCR'd
    CHECK(shell.wait_for("hello\r\n"));      // the command's output
    REQUIRE(shell.wait_for("# "));

    shell.type("echo one two | busybox tr o 0\r");
    CHECK(shell.wait_for("0ne tw0\r\n")); // a pipeline: fork, pipe, exec, wait
    REQUIRE(shell.wait_for("# "));

    // Ctrl-C of a foreground job: cat waits in a read of the terminal, in its own process group,
    // which the shell made the terminal's foreground group.
    // "ready" is printed once the shell has put the terminal back in canonical mode (its line
    // editor reads raw): what is typed from then on waits in the line discipline for cat.
    shell.type("echo ready; cat; echo after\r");
    REQUIRE(shell.wait_for("echo ready; cat; echo after\r\n"));
    REQUIRE(shell.wait_for("ready\r\n"));
    shell.type("typed\r");
    CHECK(shell.wait_for("typed\r\n")); // the line discipline's echo ...
    CHECK(shell.wait_for("typed\r\n")); // ... and cat's copy of the line
    shell.type("\x03"); // Ctrl-C: SIGINT to the foreground job
    CHECK(shell.wait_for("^C"));
    CHECK(shell.wait_for("# ")); // cat died of it, and the prompt comes back: an interactive
                                 // shell drops the rest of a list interrupted by SIGINT
    CHECK_FALSE(contains(shell.output(), "\nafter\r\n")); // (the command's echo has "echo after")

    shell.type("exit\r");
    CHECK(shell.wait_for("Kernel panic - not syncing: Attempted to kill init!")); // as Linux, init's exit
    CHECK(shell.exit_status() == 3);
    INFO(shell.output());
}

TEST_CASE("lkmemu run --init: Ctrl-A x quits", "[tty]")
{
    if (!host_has_busybox()) {
        WARN("busybox is not installed on the host (Debian's busybox-static): the Ctrl-A x test is skipped");
        return;
    }
    PtyLkmemu shell("run --init /bin/sh");
    REQUIRE(shell.wait_for("# "));
    shell.type("\x01x");
    CHECK(shell.exit_status() == 0);
}
