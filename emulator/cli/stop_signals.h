// SIGINT and SIGTERM for `lkmemu run`: the session stops, and the summary so far (and the JSON)
// is still written (README, "Exit status": 128 + the signal's number).
//
// The handler only records the signal and writes its number to a self-pipe (both
// async-signal-safe); a watcher thread reads the pipe and calls Session::interrupt, the
// thread-safe way to stop the machine. The handlers reset themselves (SA_RESETHAND): a second
// Ctrl-C kills lkmemu at once, as if it had none.
#pragma once

#include <functional>
#include <thread>

namespace lkmemu::cli {

class StopSignals {
public:
    StopSignals();  // installs the handlers for SIGINT and SIGTERM
    ~StopSignals(); // stops the watcher and puts the default handlers back
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    // Calls `on_signal(number)` from a watcher thread for each signal, also one that came before.
    void watch(std::function<void(int)> on_signal);
    // A descriptor that turns readable once a signal came (for poll(), e.g. at a console prompt).
    int fd() const;
    // The signal that came, 0 if none yet.
    static int received();

private:
    std::thread m_watcher;
};

} // namespace lkmemu::cli
