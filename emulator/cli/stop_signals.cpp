#include "stop_signals.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace lkmemu::cli {

namespace {

// Process-wide, as signal dispositions are. [0] is read by the watcher, [1] written by the handler.
int g_pipe[2] = {-1, -1};
volatile sig_atomic_t g_received = 0;
// A second pipe, readable once a signal came, for poll(): the watcher drains the first one.
int g_seen[2] = {-1, -1};

void on_stop_signal(int signal)
{
    int const saved = errno;
    g_received = signal;
    unsigned char const byte = static_cast<unsigned char>(signal);
    (void)!write(g_pipe[1], &byte, 1);
    (void)!write(g_seen[1], &byte, 1);
    errno = saved;
}

void install(void (*handler)(int))
{
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    // SA_RESTART: the host's own reads and writes go on undisturbed; the machine is stopped by
    // the watcher, not by an EINTR somewhere.
    action.sa_flags = handler == SIG_DFL ? 0 : SA_RESTART | SA_RESETHAND;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

} // namespace

StopSignals::StopSignals()
{
    if (pipe2(g_pipe, O_CLOEXEC) != 0 || pipe2(g_seen, O_CLOEXEC | O_NONBLOCK) != 0)
        return; // no pipes (out of descriptors): the default handlers stay, a signal kills
    install(on_stop_signal);
}

StopSignals::~StopSignals()
{
    install(SIG_DFL);
    if (m_watcher.joinable()) {
        unsigned char const wake = 0; // not a signal: tells the watcher to end
        (void)!write(g_pipe[1], &wake, 1);
        m_watcher.join();
    }
    for (int* fds : {g_pipe, g_seen}) {
        for (int i = 0; i < 2; ++i) {
            if (fds[i] >= 0)
                close(fds[i]);
            fds[i] = -1;
        }
    }
}

void StopSignals::watch(std::function<void(int)> on_signal)
{
    if (g_pipe[0] < 0)
        return;
    m_watcher = std::thread([on_signal = std::move(on_signal)] {
        for (;;) {
            unsigned char byte;
            ssize_t const n = read(g_pipe[0], &byte, 1);
            if (n < 0 && errno == EINTR)
                continue;
            if (n != 1 || byte == 0)
                return;
            on_signal(byte);
        }
    });
}

int StopSignals::fd() const { return g_seen[0]; }

int StopSignals::received() { return g_received; }

} // namespace lkmemu::cli
