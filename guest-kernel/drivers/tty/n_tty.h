// The n_tty line discipline (Linux's drivers/tty/n_tty.c), as pure code: input processing of
// the bytes a terminal receives (ICRNL/IGNCR/INLCR, ISTRIP, IXON, ISIG's ^C ^\ ^Z, ICANON's
// erase, word erase, kill, literal-next and line ends, ECHO/ECHOE/ECHOK/ECHOKE/ECHOCTL/ECHONL),
// the read buffer a read(2) takes lines or bytes from, and output processing (OPOST: ONLCR,
// OCRNL, ONOCR, ONLRET, OLCUC). Waiting, signals and the device are its owner's (tty_io.cpp),
// reached through n_tty_ops; so the host's unit tests (tests/kernel/n_tty_test.cpp) feed it
// bytes and read lines without a kernel.
#pragma once

#include <lkmemu/termios.h>
#include <kernel/types.h>

constexpr size_t N_TTY_BUF_SIZE = 4096; // Linux's: a line longer than this is cut

struct n_tty_ops {
    // Bytes for the device, already output-processed (echoes).
    void (*output)(void* owner, const char* bytes, size_t length);
    // ISIG: the signal for the foreground process group (SIGINT, SIGQUIT, SIGTSTP).
    void (*signal)(void* owner, int sig);
    // IXON: ^S stops output, ^Q (or any key with IXANY) starts it again.
    void (*flow)(void* owner, bool stopped);
};

struct n_tty {
    const lkm_termios* termios; // the terminal's, read at every byte
    const n_tty_ops* ops;
    void* owner;
    // The read buffer: slots [read_tail, read_head) hold input, [read_tail, canon_head) of it
    // complete lines (canonical mode). Indices count up forever; the slot is index % size.
    u8 buf[N_TTY_BUF_SIZE];
    u8 flags[N_TTY_BUF_SIZE]; // per slot: N_TTY_EOL (a line ends here), N_TTY_EOF (and is ^D: not data)
    size_t read_tail, canon_head, read_head;
    bool lnext;           // the previous byte was ^V: take this one literally
    bool output_stopped;  // IXON said ^S
    unsigned column;      // the cursor's column after the output so far (erase needs it)
    unsigned canon_column; // the column the line being edited started at
};

constexpr u8 N_TTY_EOL = 1, N_TTY_EOF = 2;

void n_tty_init(n_tty* ldisc, const lkm_termios* termios, const n_tty_ops* ops, void* owner);
// Input: process each byte as the terminal's termios says.
void n_tty_receive(n_tty* ldisc, const u8* bytes, size_t count);
// Whether a read can return now: a complete line (ICANON; an EOF counts), else at least
// `amount` bytes.
bool n_tty_input_available(const n_tty* ldisc, size_t amount);
// What FIONREAD reports: the bytes of complete lines (ICANON), else all buffered bytes.
size_t n_tty_chars_in_buffer(const n_tty* ldisc);
// Take up to `count` bytes: in ICANON one line at most (its '\n' included, a ^D not: a read of
// an empty line ending in ^D returns 0, end of file), else what is there. Returns the bytes
// copied.
size_t n_tty_copy(n_tty* ldisc, u8* out, size_t count);
// TCFLSH(TCIFLUSH), TCSETSF, and ISIG without NOFLSH: drop all buffered input.
void n_tty_flush_input(n_tty* ldisc);
// After TCSETS*: leaving ICANON makes the partial line readable; entering it makes what is
// buffered one complete line (Linux's "push"), so no byte is lost either way.
void n_tty_set_termios(n_tty* ldisc, const lkm_termios* old);
// Output: process bytes for the device (OPOST) and hand them to ops->output.
void n_tty_write(n_tty* ldisc, const u8* bytes, size_t count);
// Linux's tty_std_termios with the serial console's 115200 baud: ICRNL IXON, OPOST ONLCR,
// CS8 CREAD HUPCL, ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN, and Linux's INIT_C_CC.
lkm_termios n_tty_default_termios();
