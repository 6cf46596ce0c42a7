// The n_tty line discipline (guest-kernel/drivers/tty/n_tty.cpp) on the host: bytes in as a
// UART would deliver them, lines and bytes out as read(2) would take them, and the echo and
// signals it sends its owner, with Linux's default termios and with the raw mode busybox's line
// editor sets.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "drivers/tty/n_tty.h"

#include <lkmemu/signal.h>

namespace {

struct Terminal {
    lkm_termios termios = n_tty_default_termios();
    n_tty ldisc {};
    std::string echoed;
    std::vector<int> signals;
    std::vector<bool> flow;

    static const n_tty_ops ops;

    Terminal() { n_tty_init(&ldisc, &termios, &ops, this); }
    void type(const std::string& bytes)
    {
        n_tty_receive(&ldisc, reinterpret_cast<const u8*>(bytes.data()), bytes.size());
    }
    std::string read(size_t count = 4096)
    {
        std::string out(count, '\0');
        size_t n = n_tty_copy(&ldisc, reinterpret_cast<u8*>(out.data()), count);
        out.resize(n);
        return out;
    }
    bool readable(size_t amount = 1) const { return n_tty_input_available(&ldisc, amount); }
    void set_lflag(u32 on, u32 off)
    {
        lkm_termios old = termios;
        termios.c_lflag = (termios.c_lflag | on) & ~off;
        n_tty_set_termios(&ldisc, &old);
    }
};

Terminal* self(void* owner) { return static_cast<Terminal*>(owner); }

const n_tty_ops Terminal::ops = {
    [](void* owner, const char* bytes, size_t length) { self(owner)->echoed.append(bytes, length); },
    [](void* owner, int sig) { self(owner)->signals.push_back(sig); },
    [](void* owner, bool stopped) { self(owner)->flow.push_back(stopped); },
};

} // namespace

TEST_CASE("n_tty: a canonical line is readable once it ends, with its echo and CR mapped to NL", "[n_tty]")
{
    Terminal t;
    t.type("echo hi");
    CHECK_FALSE(t.readable());
    CHECK(n_tty_chars_in_buffer(&t.ldisc) == 0);
    t.type("\r"); // ICRNL: the Enter key's CR is a NL
    REQUIRE(t.readable());
    CHECK(n_tty_chars_in_buffer(&t.ldisc) == 8);
    CHECK(t.read() == "echo hi\n");
    CHECK(t.echoed == "echo hi\r\n"); // ONLCR on the echo
    CHECK_FALSE(t.readable());
}

TEST_CASE("n_tty: one line per read, and a short read leaves the rest of the line", "[n_tty]")
{
    Terminal t;
    t.type("one\ntwo\n");
    CHECK(t.read(2) == "on");
    CHECK(t.read() == "e\n");
    CHECK(t.read() == "two\n");
}

TEST_CASE("n_tty: erase takes back a character and rubs it out (ECHOE)", "[n_tty]")
{
    Terminal t;
    t.type("lx\x7f");
    CHECK(t.echoed == "lx\b \b");
    t.type("s\b"); // ^H is not VERASE by default: it is data, echoed as ^H (ECHOCTL)
    t.type("\x7f"); // takes back the ^H, two columns
    CHECK(t.echoed == "lx\b \bs^H\b \b\b \b");
    t.type("\n");
    CHECK(t.read() == "ls\n");
}

TEST_CASE("n_tty: erase stops at the start of the line", "[n_tty]")
{
    Terminal t;
    t.type("a\n\x7f\x7f");
    CHECK(t.echoed == "a\r\n");
    CHECK(t.read() == "a\n");
}

TEST_CASE("n_tty: kill (^U) takes back the whole line, word erase (^W) a word", "[n_tty]")
{
    Terminal t;
    t.type("rm -rf x\x15");
    std::string rubbed_out;
    for (int i = 0; i < 8; i++)
        rubbed_out += "\b \b";
    CHECK(t.echoed == "rm -rf x" + rubbed_out); // ECHOKE: rubbed out, character by character
    t.echoed.clear();
    t.type("ls /tmp\x17" "dev\n"); // a word is letters, digits and '_' (Linux's ALTWERASE): the '/' stays
    CHECK(t.read() == "ls /dev\n");
}

TEST_CASE("n_tty: ^D at the start of a line is end of file, after text it ends the line", "[n_tty]")
{
    Terminal t;
    t.type("abc\x04");
    REQUIRE(t.readable());
    CHECK(t.read() == "abc"); // no newline, no ^D
    t.type("\x04");
    REQUIRE(t.readable());
    CHECK(t.read() == ""); // a read of 0: end of file
    CHECK_FALSE(t.readable());
    CHECK(t.echoed == "abc"); // ^D is not echoed
}

TEST_CASE("n_tty: ISIG sends SIGINT, SIGQUIT and SIGTSTP, echoes ^C and flushes the line", "[n_tty]")
{
    Terminal t;
    t.type("sleep 10\x03");
    CHECK(t.signals == std::vector<int> {LKM_SIGINT});
    CHECK(t.echoed == "sleep 10^C");
    t.type("\n");
    CHECK(t.read() == "\n"); // "sleep 10" was flushed
    t.type("\x1c\x1a");
    CHECK(t.signals == std::vector<int> {LKM_SIGINT, LKM_SIGQUIT, LKM_SIGTSTP});
    t.set_lflag(0, LKM_ISIG);
    t.type("\x03\n");
    CHECK(t.signals.size() == 3);
    CHECK(t.read() == "\x03\n");
}

TEST_CASE("n_tty: without ECHO nothing is echoed, ECHONL still echoes the newline", "[n_tty]")
{
    Terminal t;
    t.set_lflag(LKM_ECHONL, LKM_ECHO);
    t.type("secret\n");
    CHECK(t.echoed == "\r\n");
    CHECK(t.read() == "secret\n");
}

TEST_CASE("n_tty: raw mode (no ICANON) returns bytes as they come, VMIN decides availability", "[n_tty]")
{
    Terminal t;
    // What busybox's line editor sets: no ICANON, no ECHO, VMIN 1, VTIME 0.
    t.set_lflag(0, LKM_ICANON | LKM_ECHO);
    t.type("l");
    CHECK(t.readable(1));
    CHECK_FALSE(t.readable(2));
    CHECK(n_tty_chars_in_buffer(&t.ldisc) == 1);
    t.type("s\x7f\r");
    CHECK(t.read() == "ls\x7f\n"); // no editing: erase is data; ICRNL still maps CR
    CHECK(t.echoed.empty());
}

TEST_CASE("n_tty: switching modes keeps every byte", "[n_tty]")
{
    Terminal t;
    t.type("part");
    t.set_lflag(0, LKM_ICANON); // the partial line becomes raw input
    CHECK(t.read(2) == "pa");
    t.set_lflag(LKM_ICANON, 0); // what is left is pushed as a complete line
    REQUIRE(t.readable());
    CHECK(t.read() == "rt");
}

TEST_CASE("n_tty: output processing maps NL to CR NL (ONLCR) and OPOST off passes bytes", "[n_tty]")
{
    Terminal t;
    n_tty_write(&t.ldisc, reinterpret_cast<const u8*>("a\nb"), 3);
    CHECK(t.echoed == "a\r\nb");
    t.echoed.clear();
    t.termios.c_oflag &= ~LKM_OPOST;
    n_tty_write(&t.ldisc, reinterpret_cast<const u8*>("a\nb"), 3);
    CHECK(t.echoed == "a\nb");
}

TEST_CASE("n_tty: IXON's ^S and ^Q stop and start output and are not data", "[n_tty]")
{
    Terminal t;
    t.type("\x13x\x11\n");
    CHECK(t.flow == std::vector<bool> {true, false});
    CHECK(t.read() == "x\n");
}

TEST_CASE("n_tty: a full buffer drops bytes but keeps room for the line's end", "[n_tty]")
{
    Terminal t;
    t.set_lflag(0, LKM_ECHO);
    t.type(std::string(N_TTY_BUF_SIZE + 10, 'a'));
    CHECK_FALSE(t.readable());
    t.type("\n");
    REQUIRE(t.readable());
    std::string line = t.read(N_TTY_BUF_SIZE + 10);
    CHECK(line.size() == N_TTY_BUF_SIZE);
    CHECK(line.back() == '\n');
}
