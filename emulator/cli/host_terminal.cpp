#include "host_terminal.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <poll.h>
#include <sys/ioctl.h>
#include <thread>
#include <unistd.h>

namespace lkmemu::cli {

namespace {

constexpr char kEscape = 0x01; // Ctrl-A

// Process-wide, as the terminal is: what to put back, for the signal handler and atexit too.
struct termios g_saved;
volatile sig_atomic_t g_raw = 0;

void restore_terminal()
{
    if (g_raw) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved); // async-signal-safe
        g_raw = 0;
    }
}

constexpr int kFatalSignals[] = {SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS};

void on_fatal_signal(int signal)
{
    restore_terminal();
    std::signal(signal, SIG_DFL);
    raise(signal);
}

} // namespace

HostTerminal::HostTerminal(std::function<void()> on_quit) : m_on_quit(std::move(on_quit))
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &g_saved) != 0)
        return;
    struct termios raw = g_saved;
    cfmakeraw(&raw); // output too: the guest's bytes carry their own \r\n (its ONLCR)
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    static bool registered = false;
    if (!registered) {
        std::atexit(restore_terminal);
        registered = true;
    }
    for (int signal : kFatalSignals)
        std::signal(signal, on_fatal_signal);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
        g_raw = 1;
}

HostTerminal::~HostTerminal()
{
    restore_terminal();
    for (int signal : kFatalSignals)
        std::signal(signal, SIG_DFL);
}

std::string HostTerminal::read_input(std::chrono::nanoseconds max_wait)
{
    if (m_at_end) {
        if (max_wait.count() > 0)
            std::this_thread::sleep_for(max_wait);
        return {};
    }
    int const timeout_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(max_wait).count());
    pollfd fd {STDIN_FILENO, POLLIN, 0};
    int const ready = poll(&fd, 1, timeout_ms);
    if (ready <= 0)
        return {};
    char buffer[256];
    ssize_t const n = read(STDIN_FILENO, buffer, sizeof(buffer));
    if (n <= 0) {
        if (n == 0 || errno != EINTR)
            m_at_end = true;
        return {};
    }
    std::string bytes;
    for (ssize_t i = 0; i < n; i++) {
        char const c = buffer[i];
        if (m_escape) {
            m_escape = false;
            if (c == 'x' || c == 'X') {
                if (m_on_quit)
                    m_on_quit();
                return bytes;
            }
            bytes.push_back(kEscape); // Ctrl-A Ctrl-A is one Ctrl-A; Ctrl-A anything else is both
            if (c != kEscape)
                bytes.push_back(c);
            continue;
        }
        if (c == kEscape && g_raw) {
            m_escape = true; // only at a terminal: piped input is passed as it is
            continue;
        }
        bytes.push_back(c);
    }
    return bytes;
}

std::optional<std::pair<unsigned, unsigned>> HostTerminal::window_size()
{
    struct winsize ws {};
    for (int fd : {STDOUT_FILENO, STDIN_FILENO})
        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
            return std::make_pair(unsigned(ws.ws_row), unsigned(ws.ws_col));
    return std::nullopt;
}

} // namespace lkmemu::cli
