// The host's terminal as the guest's console, for `lkmemu run --init PATH` (docs/userland.md,
// "An interactive shell: --init"): standard input in raw mode (no echo, no line editing, no signals
// from ^C/^Z: those bytes go to the guest, whose tty layer makes them SIGINT and SIGTSTP),
// restored when this object goes away, at exit, and on the signals that end lkmemu (SIGHUP,
// SIGQUIT, SIGABRT, SIGSEGV, SIGBUS: restored, then the signal's default action). As QEMU's
// -nographic, Ctrl-A x leaves (the run stops, exit status 0) and Ctrl-A Ctrl-A sends a Ctrl-A.
//
// The machine asks for input through Machine::ConsoleInput; read_input is that function. It
// works on a pipe or file too (no raw mode then), which is how scripts feed a guest shell.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <termios.h>

namespace lkmemu::cli {

class HostTerminal {
public:
    // Raw mode when standard input is a terminal. on_quit runs (on the machine's thread) for
    // Ctrl-A x.
    explicit HostTerminal(std::function<void()> on_quit);
    ~HostTerminal(); // the terminal's modes as they were
    HostTerminal(const HostTerminal&) = delete;
    HostTerminal& operator=(const HostTerminal&) = delete;

    // Bytes typed within max_wait (empty if none; at the end of input, waits max_wait and says
    // nothing more).
    std::string read_input(std::chrono::nanoseconds max_wait);
    // The terminal's size (rows, columns), if standard output or input is one.
    static std::optional<std::pair<unsigned, unsigned>> window_size();

private:
    std::function<void()> m_on_quit;
    bool m_escape = false; // the last byte was Ctrl-A
    bool m_at_end = false;
};

} // namespace lkmemu::cli
