// The n_tty line discipline: see n_tty.h. Linux's structure in miniature: receive_char's
// order of tests (ISTRIP, literal next, IXON, ISIG, CR/NL mapping, canonical editing, echo,
// store), eraser() for ^? ^W ^U with the columns it must take back, and canon_copy's one line
// per read.
#include "n_tty.h"

#include <lkmemu/signal.h>

namespace {

constexpr size_t MASK = N_TTY_BUF_SIZE - 1;
static_assert((N_TTY_BUF_SIZE & MASK) == 0, "the buffer's size is a power of two");

const lkm_termios& tio(const n_tty* l) { return *l->termios; }
bool iflag(const n_tty* l, u32 f) { return tio(l).c_iflag & f; }
bool oflag(const n_tty* l, u32 f) { return tio(l).c_oflag & f; }
bool lflag(const n_tty* l, u32 f) { return tio(l).c_lflag & f; }
// A c_cc slot, which 0 disables (_POSIX_VDISABLE).
bool is_char(const n_tty* l, u8 c, int slot) { return tio(l).c_cc[slot] && c == tio(l).c_cc[slot]; }

bool is_cntrl(u8 c) { return c < 0x20 || c == 0x7f; }
bool is_word_char(u8 c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

size_t buffered(const n_tty* l) { return l->read_head - l->read_tail; }

// Output processing of one byte into out (at most 2 bytes): Linux's do_output_char.
size_t process_output_char(n_tty* l, u8 c, char* out)
{
    if (!oflag(l, LKM_OPOST)) {
        out[0] = static_cast<char>(c);
        return 1;
    }
    switch (c) {
    case '\n':
        if (oflag(l, LKM_ONLRET))
            l->column = 0;
        if (oflag(l, LKM_ONLCR)) {
            l->column = 0;
            out[0] = '\r', out[1] = '\n';
            return 2;
        }
        break;
    case '\r':
        if (oflag(l, LKM_ONOCR) && l->column == 0)
            return 0;
        if (oflag(l, LKM_OCRNL)) {
            c = '\n';
            if (oflag(l, LKM_ONLRET))
                l->column = 0;
            break;
        }
        l->column = 0;
        break;
    case '\t':
        l->column = (l->column | 7) + 1;
        break;
    case '\b':
        if (l->column > 0)
            l->column--;
        break;
    default:
        if (oflag(l, LKM_OLCUC) && c >= 'a' && c <= 'z')
            c = static_cast<u8>(c - 'a' + 'A');
        if (!is_cntrl(c) && (c & 0xc0) != 0x80) // a UTF-8 continuation byte takes no column
            l->column++;
        break;
    }
    out[0] = static_cast<char>(c);
    return 1;
}

// Echo a string as output (processed), in one piece for the device.
void output_bytes(n_tty* l, const char* bytes, size_t count)
{
    char out[64];
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        if (used + 2 > sizeof(out)) {
            l->ops->output(l->owner, out, used);
            used = 0;
        }
        used += process_output_char(l, static_cast<u8>(bytes[i]), out + used);
    }
    if (used)
        l->ops->output(l->owner, out, used);
}

// ECHOCTL shows a control character as ^X (^? for DEL); tab and newline are themselves.
void echo_char(n_tty* l, u8 c)
{
    if (lflag(l, LKM_ECHOCTL) && is_cntrl(c) && c != '\t' && c != '\n') {
        char caret[2] = { '^', static_cast<char>(c ^ 0100) };
        output_bytes(l, caret, 2);
        return;
    }
    char byte = static_cast<char>(c);
    output_bytes(l, &byte, 1);
}

void store(n_tty* l, u8 c, u8 flags)
{
    if (l->read_head == l->canon_head)
        l->canon_column = l->column; // a new line starts here (its echo follows)
    l->buf[l->read_head & MASK] = c;
    l->flags[l->read_head & MASK] = flags;
    l->read_head++;
    if (flags & N_TTY_EOL)
        l->canon_head = l->read_head;
}

// How many columns the echo of c took, with the cursor at column `at` before it.
unsigned echo_width(const n_tty* l, u8 c, unsigned at)
{
    if (c == '\t')
        return ((at | 7) + 1) - at;
    if (is_cntrl(c))
        return lflag(l, LKM_ECHOCTL) ? 2 : 0;
    return (c & 0xc0) == 0x80 ? 0 : 1;
}

// ^? (VERASE), ^W (VWERASE) and ^U (VKILL) in canonical mode: take back characters of the line
// being edited, and with ECHOE (ECHOKE for the kill) rub them out on the screen (Linux's eraser).
void eraser(n_tty* l, u8 c)
{
    if (l->read_head == l->canon_head)
        return; // nothing of this line left to take back
    enum { ERASE, WERASE, KILL } kind = is_char(l, c, LKM_VERASE) ? ERASE : is_char(l, c, LKM_VWERASE) ? WERASE : KILL;
    if (kind == KILL) {
        if (!lflag(l, LKM_ECHO)) {
            l->read_head = l->canon_head;
            return;
        }
        if (!lflag(l, LKM_ECHOK) || !lflag(l, LKM_ECHOKE) || !lflag(l, LKM_ECHOE)) {
            l->read_head = l->canon_head;
            echo_char(l, c);
            if (lflag(l, LKM_ECHOK)) {
                char nl = '\n';
                output_bytes(l, &nl, 1);
            }
            return;
        }
    }
    bool seen_word = false;
    while (l->read_head != l->canon_head) {
        u8 last = l->buf[(l->read_head - 1) & MASK];
        if (kind == WERASE) {
            if (is_word_char(last))
                seen_word = true;
            else if (seen_word)
                break;
        }
        // Where the cursor was before `last`'s echo: the line's start plus what comes before it.
        unsigned before = l->canon_column;
        for (size_t i = l->canon_head; i + 1 < l->read_head; i++)
            before += echo_width(l, l->buf[i & MASK], before);
        l->read_head--;
        if (lflag(l, LKM_ECHO)) {
            if (lflag(l, LKM_ECHOE)) {
                unsigned width = echo_width(l, last, before);
                for (unsigned i = 0; i < width; i++) {
                    if (last == '\t')
                        output_bytes(l, "\b", 1); // a tab is taken back by moving, not by blanks
                    else
                        output_bytes(l, "\b \b", 3);
                }
            } else {
                echo_char(l, tio(l).c_cc[LKM_VERASE]);
            }
        }
        if (kind == ERASE)
            break;
    }
}

void receive_char(n_tty* l, u8 c)
{
    if (iflag(l, LKM_ISTRIP))
        c &= 0x7f;
    bool const canon = lflag(l, LKM_ICANON);
    if (l->lnext) {
        l->lnext = false;
        if (lflag(l, LKM_ECHO)) {
            if (lflag(l, LKM_ECHOCTL))
                output_bytes(l, "\b", 1); // back over the "^" the ^V left
            echo_char(l, c);
        }
        if (buffered(l) < N_TTY_BUF_SIZE - (canon ? 1 : 0))
            store(l, c, 0);
        return;
    }
    if (iflag(l, LKM_IXON)) {
        if (is_char(l, c, LKM_VSTART)) {
            l->output_stopped = false;
            l->ops->flow(l->owner, false);
            return;
        }
        if (is_char(l, c, LKM_VSTOP)) {
            l->output_stopped = true;
            l->ops->flow(l->owner, true);
            return;
        }
        if (l->output_stopped && iflag(l, LKM_IXANY)) {
            l->output_stopped = false;
            l->ops->flow(l->owner, false);
        }
    }
    if (lflag(l, LKM_ISIG)) {
        int sig = is_char(l, c, LKM_VINTR) ? LKM_SIGINT : is_char(l, c, LKM_VQUIT) ? LKM_SIGQUIT : is_char(l, c, LKM_VSUSP) ? LKM_SIGTSTP : 0;
        if (sig) {
            if (!lflag(l, LKM_NOFLSH))
                n_tty_flush_input(l);
            if (lflag(l, LKM_ECHO))
                echo_char(l, c);
            l->ops->signal(l->owner, sig);
            return;
        }
    }
    if (c == '\r') {
        if (iflag(l, LKM_IGNCR))
            return;
        if (iflag(l, LKM_ICRNL))
            c = '\n';
    } else if (c == '\n' && iflag(l, LKM_INLCR)) {
        c = '\r';
    }
    if (canon) {
        if (is_char(l, c, LKM_VERASE) || is_char(l, c, LKM_VKILL) || (is_char(l, c, LKM_VWERASE) && lflag(l, LKM_IEXTEN))) {
            eraser(l, c);
            return;
        }
        if (is_char(l, c, LKM_VLNEXT) && lflag(l, LKM_IEXTEN)) {
            l->lnext = true;
            if (lflag(l, LKM_ECHO) && lflag(l, LKM_ECHOCTL))
                output_bytes(l, "^", 1);
            return;
        }
        bool const eof = is_char(l, c, LKM_VEOF);
        bool const eol = eof || c == '\n' || is_char(l, c, LKM_VEOL) || is_char(l, c, LKM_VEOL2);
        if (!eol && buffered(l) >= N_TTY_BUF_SIZE - 1)
            return; // room is kept for the line's end
        if (eol && buffered(l) >= N_TTY_BUF_SIZE)
            return;
        if (eof) {
            store(l, c, N_TTY_EOL | N_TTY_EOF); // not echoed, not data
            return;
        }
        if (lflag(l, LKM_ECHO) || (c == '\n' && lflag(l, LKM_ECHONL)))
            echo_char(l, c);
        store(l, c, eol ? N_TTY_EOL : 0);
        return;
    }
    if (buffered(l) >= N_TTY_BUF_SIZE)
        return;
    if (lflag(l, LKM_ECHO))
        echo_char(l, c);
    store(l, c, 0);
}

} // namespace

lkm_termios n_tty_default_termios()
{
    lkm_termios t {};
    t.c_iflag = LKM_ICRNL | LKM_IXON;
    t.c_oflag = LKM_OPOST | LKM_ONLCR;
    t.c_cflag = LKM_B115200 | LKM_CS8 | LKM_CREAD | LKM_HUPCL;
    t.c_lflag = LKM_ISIG | LKM_ICANON | LKM_ECHO | LKM_ECHOE | LKM_ECHOK | LKM_ECHOCTL | LKM_ECHOKE | LKM_IEXTEN;
    // Linux's INIT_C_CC: ^C ^\ ^? ^U ^D, TIME 0, MIN 1, ^Q ^S ^Z, EOL off, ^R ^O ^W ^V.
    const u8 cc[] = { 003, 034, 0177, 025, 004, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0 };
    for (size_t i = 0; i < sizeof(cc); i++)
        t.c_cc[i] = cc[i];
    return t;
}

void n_tty_init(n_tty* l, const lkm_termios* termios, const n_tty_ops* ops, void* owner)
{
    l->termios = termios;
    l->ops = ops;
    l->owner = owner;
    l->read_tail = l->canon_head = l->read_head = 0;
    l->lnext = l->output_stopped = false;
    l->column = l->canon_column = 0;
}

void n_tty_receive(n_tty* l, const u8* bytes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        receive_char(l, bytes[i]);
}

bool n_tty_input_available(const n_tty* l, size_t amount)
{
    if (lflag(l, LKM_ICANON))
        return l->canon_head != l->read_tail;
    return buffered(l) >= (amount ? amount : 1);
}

size_t n_tty_chars_in_buffer(const n_tty* l)
{
    return lflag(l, LKM_ICANON) ? l->canon_head - l->read_tail : buffered(l);
}

size_t n_tty_copy(n_tty* l, u8* out, size_t count)
{
    size_t copied = 0;
    if (!lflag(l, LKM_ICANON)) {
        while (copied < count && l->read_tail != l->read_head)
            out[copied++] = l->buf[l->read_tail++ & MASK];
        if (l->canon_head < l->read_tail)
            l->canon_head = l->read_tail;
        return copied;
    }
    while (copied < count && l->read_tail != l->canon_head) {
        size_t slot = l->read_tail & MASK;
        u8 flags = l->flags[slot];
        l->read_tail++;
        if (flags & N_TTY_EOF)
            break; // ^D ends the read and is not data
        out[copied++] = l->buf[slot];
        if (flags & N_TTY_EOL)
            break;
    }
    return copied;
}

void n_tty_flush_input(n_tty* l)
{
    l->read_tail = l->canon_head = l->read_head;
    l->lnext = false;
}

void n_tty_set_termios(n_tty* l, const lkm_termios* old)
{
    bool const was_canon = old->c_lflag & LKM_ICANON, canon = lflag(l, LKM_ICANON);
    if (was_canon == canon)
        return;
    if (!canon) {
        // Raw now: the partial line is plain input; line ends written before stay marked but
        // matter to nobody (raw reads ignore them; the flags of new bytes are 0). An EOF's
        // byte becomes data, as on Linux.
        for (size_t i = l->read_tail; i != l->read_head; i++)
            l->flags[i & MASK] = 0;
        l->canon_head = l->read_head;
        return;
    }
    // Canonical now: what is buffered is one complete line (pushed), so a read returns it.
    if (l->read_head != l->read_tail)
        l->flags[(l->read_head - 1) & MASK] |= N_TTY_EOL;
    l->canon_head = l->read_head;
    l->lnext = false;
}

void n_tty_write(n_tty* l, const u8* bytes, size_t count)
{
    output_bytes(l, reinterpret_cast<const char*>(bytes), count);
}
