// The interactive `lkmemu run` console: line editing and history (libedit, BSD-licensed:
// docs/dependencies.md), history kept in ~/.lkmemu_history. Ctrl-C cancels the line being typed
// and prompts again; Ctrl-D on an empty line ends the console. While a command runs, Ctrl-C is a
// SIGINT again and interrupts the run (stop_signals.h).
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace lkmemu::cli {

class Console {
public:
    // For standard input, a terminal. stop_fd turns readable once a stop signal came (SIGTERM, or
    // SIGINT while a command ran): the prompt then gives up. Null if libedit cannot start.
    static std::unique_ptr<Console> open(int stop_fd);
    ~Console(); // the history is saved
    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;

    // The next line typed (not empty), nullopt at the end of input or once a stop signal came.
    std::optional<std::string> read_line();

    struct State; // libedit's handles (console.cpp)

private:
    explicit Console(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

} // namespace lkmemu::cli
