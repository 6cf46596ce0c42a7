// exec and sh: a guest program run as a child of init (fork, execve, wait4), its stdout and
// stderr the command's output, its end the command's status, in a shell's words.
#include "rows.h"

#include <lkmemu/errno.h>
#include <lkmemu/harness.h>
#include <lkmemu/signal.h>

#include <fmt/format.h>

namespace lkmemu::commands {

std::string guest_signal_name(int signal)
{
    // Linux's names for its x86-64 numbers, as kill -l lists them.
    static constexpr const char* names[] = {
        nullptr,   "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE",  "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",   "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU", "SIGURG",
        "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",  "SIGIO",   "SIGPWR",  "SIGSYS",
    };
    static_assert(sizeof(names) / sizeof(names[0]) == LKM_SIGSYS + 1);
    if (signal > 0 && signal <= LKM_SIGSYS)
        return names[signal];
    if (signal >= LKM_SIGRTMIN && signal <= LKM_SIGRTMAX)
        return signal == LKM_SIGRTMIN ? "SIGRTMIN" : fmt::format("SIGRTMIN+{}", signal - LKM_SIGRTMIN);
    return fmt::format("signal {}", signal);
}

std::string child_end_text(int wait_status)
{
    if (LKMEMU_WAIT_SIGNALED(wait_status)) {
        int const signal = LKMEMU_WAIT_TERM_SIGNAL(wait_status);
        return fmt::format("killed by signal {} ({})", signal, guest_signal_name(signal));
    }
    return fmt::format("exit status {}", LKMEMU_WAIT_EXIT_CODE(wait_status));
}

namespace {

// The request's arguments: the path, then argv, each NUL-terminated (the last NUL is the
// encoding's).
std::string exec_arguments(const std::string& path, const std::vector<std::string>& argv)
{
    std::string args = path;
    for (const std::string& arg : argv) {
        args += '\0';
        args += arg;
    }
    return args;
}

class Exec : public GuestCommand {
public:
    Exec(const CommandSpec& spec, std::string path, std::vector<std::string> argv)
        : GuestCommand(spec.name), m_path(std::move(path)), m_argv(std::move(argv))
    {
    }

protected:
    const std::string& path() const { return m_path; }

    Result<GuestRequest> request() const override
    {
        return GuestRequest { LKMEMU_HARNESS_OP_EXEC, 0, exec_arguments(m_path, m_argv), {} };
    }

    bool reports_exit_status() const override { return true; }

    // As a shell words a program it could not start, with the kernel's reason (e.g. the
    // interpreter of a dynamically linked file) after it.
    std::string explain_failure(int errno_value, std::string_view reason) const override
    {
        std::string error = fmt::format("{}: {}: {}", name(), m_path, errno_text(errno_value));
        if (!reason.empty())
            error += fmt::format("\n{}: kernel: {}", name(), reason);
        return error;
    }

    std::string explain_child_end(int wait_status, std::string_view) const override
    {
        return fmt::format("{}: {}: {}", name(), m_path, child_end_text(wait_status));
    }

private:
    std::string m_path;
    std::vector<std::string> m_argv;
};

// sh "COMMAND LINE": /bin/sh -c, as system(3) runs it.
class Sh final : public Exec {
public:
    Sh(const CommandSpec& spec, std::string command_line)
        : Exec(spec, "/bin/sh", { "sh", "-c", std::move(command_line) })
    {
    }

private:
    std::string explain_failure(int errno_value, std::string_view reason) const override
    {
        if (errno_value == LKM_ENOENT)
            return fmt::format("sh: {}: {} (the guest has no shell: an initramfs without busybox)", path(),
                               errno_text(errno_value));
        return Exec::explain_failure(errno_value, reason);
    }

    std::string explain_child_end(int wait_status, std::string_view) const override
    {
        return fmt::format("sh: {}", child_end_text(wait_status));
    }
};

} // namespace

// exec PATH [ARG ...]: argv[0] is PATH, as a shell passes it.
std::unique_ptr<HarnessCommand> parse_exec(const CommandSpec& spec, const Words& words)
{
    if (words.size() < 2 || words[1].empty())
        return nullptr;
    return std::make_unique<Exec>(spec, words[1], std::vector<std::string>(words.begin() + 1, words.end()));
}

// sh "COMMAND LINE": one word (quoted), as sh -c takes it.
std::unique_ptr<HarnessCommand> parse_sh(const CommandSpec& spec, const Words& words)
{
    if (words.size() != 2)
        return nullptr;
    return std::make_unique<Sh>(spec, words[1]);
}

} // namespace lkmemu::commands
