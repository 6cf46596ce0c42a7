#include "console.h"

#include <histedit.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <poll.h>
#include <unistd.h>

namespace lkmemu::cli {

namespace {

constexpr int kHistorySize = 1000;

std::string history_path()
{
    const char* home = std::getenv("HOME");
    return home && *home ? std::string(home) + "/.lkmemu_history" : std::string();
}

const char* prompt(EditLine*) { return "lkmemu> "; }

} // namespace

struct Console::State {
    EditLine* el = nullptr;
    History* history = nullptr;
    std::string history_file;
    int stop_fd = -1;
    bool cancelled = false; // Ctrl-C: the line is dropped
    bool stopped = false;   // a stop signal came while waiting

    ~State()
    {
        if (el)
            el_end(el);
        if (history)
            history_end(history);
    }
};

namespace {

Console::State* state_of(EditLine* el)
{
    void* data = nullptr;
    el_get(el, EL_CLIENTDATA, &data);
    return static_cast<Console::State*>(data);
}

// libedit's input: one character from standard input, or "end of input" once the stop
// descriptor turns readable. Both are waited for together, so a SIGTERM at the prompt ends it.
int read_char(EditLine* el, wchar_t* out)
{
    Console::State* state = state_of(el);
    for (;;) {
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {state->stop_fd, POLLIN, 0}};
        int const ready = poll(fds, state->stop_fd >= 0 ? 2 : 1, -1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return -1;
        if (fds[1].revents & POLLIN) {
            state->stopped = true;
            return 0;
        }
        // One multibyte character, byte by byte (the terminal's UTF-8).
        char bytes[MB_LEN_MAX];
        std::mbstate_t mb {};
        for (size_t n = 0; n < sizeof(bytes);) {
            ssize_t const got = read(STDIN_FILENO, bytes + n, 1);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                return got < 0 ? -1 : 0;
            ++n;
            size_t const converted = std::mbrtowc(out, bytes, n, &mb);
            if (converted == static_cast<size_t>(-2))
                continue; // incomplete: read on
            if (converted == static_cast<size_t>(-1))
                *out = static_cast<unsigned char>(bytes[0]);
            return 1;
        }
        *out = static_cast<unsigned char>(bytes[0]);
        return 1;
    }
}

// Ctrl-C at the prompt: the line is dropped (shown as ^C, as a shell does), and a new prompt.
unsigned char cancel_line(EditLine* el, int)
{
    state_of(el)->cancelled = true;
    fputs("^C", stderr);
    return CC_NEWLINE;
}

} // namespace

std::unique_ptr<Console> Console::open(int stop_fd)
{
    auto state = std::make_unique<State>();
    state->stop_fd = stop_fd;
    state->history = history_init();
    state->el = el_init("lkmemu", stdin, stderr, stderr); // stdout stays the commands' output
    if (!state->history || !state->el)
        return nullptr;
    HistEvent event;
    history(state->history, &event, H_SETSIZE, kHistorySize);
    history(state->history, &event, H_SETUNIQUE, 1); // a repeated line is stored once
    state->history_file = history_path();
    if (!state->history_file.empty())
        history(state->history, &event, H_LOAD, state->history_file.c_str()); // none yet: fine

    EditLine* el = state->el;
    el_set(el, EL_CLIENTDATA, state.get());
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_PROMPT, prompt);
    el_set(el, EL_HIST, history, state->history);
    el_set(el, EL_GETCFN, read_char);
    // Ctrl-C reaches the editor as a character (no SIGINT while a line is typed): it cancels the
    // line. Outside el_gets the terminal is as it was, so Ctrl-C during a command is a signal.
    el_set(el, EL_SETTY, "-d", "-isig", nullptr);
    el_set(el, EL_ADDFN, "lkmemu-cancel-line", "Cancel the line being typed", cancel_line);
    el_set(el, EL_BIND, "^C", "lkmemu-cancel-line", nullptr);
    el_source(el, nullptr); // the user's ~/.editrc, if any
    return std::unique_ptr<Console>(new Console(std::move(state)));
}

Console::Console(std::unique_ptr<State> state) : m_state(std::move(state)) {}

Console::~Console()
{
    if (!m_state->history_file.empty()) {
        HistEvent event;
        history(m_state->history, &event, H_SAVE, m_state->history_file.c_str());
    }
}

std::optional<std::string> Console::read_line()
{
    for (;;) {
        m_state->cancelled = false;
        int count = 0;
        const char* line = el_gets(m_state->el, &count);
        if (m_state->stopped || !line || count <= 0) {
            fputs("\n", stderr);
            return std::nullopt;
        }
        if (m_state->cancelled)
            continue;
        std::string text(line, static_cast<size_t>(count));
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
            text.pop_back();
        if (text.find_first_not_of(" \t") == std::string::npos)
            continue;
        HistEvent event;
        history(m_state->history, &event, H_ENTER, text.c_str());
        return text;
    }
}

} // namespace lkmemu::cli
