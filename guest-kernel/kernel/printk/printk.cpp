// printk and the log ring buffer.
#include <asm/processor.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/vsprintf.h>

int console_loglevel = CONSOLE_LOGLEVEL_DEFAULT;

namespace {

console_write_fn g_console;

// The ring: bytes [g_tail, g_head) of an endless stream, stored modulo LOG_BUF_LEN. Always whole
// lines: when a new line needs room, the oldest lines are dropped entirely. Each line is a record
// with a sequence number (/dev/kmsg's): g_tail_seq is the oldest one's, g_head_seq the next's.
char g_log_buf[LOG_BUF_LEN];
u64 g_head;
u64 g_tail;
u64 g_head_seq;
u64 g_tail_seq;

char log_byte(u64 position) { return g_log_buf[position % LOG_BUF_LEN]; }

void log_store(const char* text, size_t length)
{
    if (length > LOG_BUF_LEN)
        return;
    while (g_head + length - g_tail > LOG_BUF_LEN) {
        while (g_tail < g_head && log_byte(g_tail) != '\n')
            g_tail++;
        g_tail++; // past the newline
        g_tail_seq++;
    }
    for (size_t i = 0; i < length; i++)
        g_log_buf[(g_head + i) % LOG_BUF_LEN] = text[i];
    g_head += length;
    g_head_seq++;
}

// The last record found, so that a reader going through the log in order (cat /dev/kmsg) walks
// one record from there instead of from an end of the ring each time. Stored lines never change,
// so the position stays right for as long as the record is in the ring.
u64 g_found_seq = ~0ull;
u64 g_found_position;

u64 skip_records(u64 at, u64 count)
{
    for (; count; count--) {
        while (log_byte(at) != '\n')
            at++;
        at++;
    }
    return at;
}

// Where record seq starts in the stream (g_tail_seq <= seq < g_head_seq), walked to from the
// nearest known start: the oldest record, the last one found, or the end.
u64 record_position(u64 seq)
{
    u64 at;
    u64 from_tail = seq - g_tail_seq, from_head = g_head_seq - seq;
    bool found_usable = g_found_seq != ~0ull && g_found_seq >= g_tail_seq && g_found_seq <= seq;
    if (found_usable && seq - g_found_seq <= min(from_tail, from_head)) {
        at = skip_records(g_found_position, seq - g_found_seq);
    } else if (from_tail <= from_head) {
        at = skip_records(g_tail, from_tail);
    } else {
        at = g_head; // the start of record g_head_seq
        for (u64 s = g_head_seq; s > seq; s--) {
            at--; // onto the previous record's newline
            while (at > g_tail && log_byte(at - 1) != '\n')
                at--;
        }
    }
    g_found_seq = seq;
    g_found_position = at;
    return at;
}

// Emit one line (without its newline) with its header.
void emit_line(int level, u64 nanoseconds, const char* text, size_t length)
{
    char line[640];
    u64 seconds = nanoseconds / 1000000000ull;
    u64 micros = (nanoseconds % 1000000000ull) / 1000;
    int header = snprintf(line, sizeof(line), "<%d>[%5lu.%06lu] ", level, seconds, micros);
    size_t room = sizeof(line) - static_cast<size_t>(header) - 1;
    size_t n = length < room ? length : room;
    memcpy(line + header, text, n);
    line[header + n] = '\n';
    size_t total = static_cast<size_t>(header) + n + 1;
    log_store(line, total);
    if (g_console && level < console_loglevel) {
        size_t prefix = 3; // "<L>" is for syslog readers, not the console
        g_console(line + prefix, total - prefix);
    }
}

// A line still open: printed without its newline, waiting for KERN_CONT continuations (pr_cont).
char g_cont[512];
size_t g_cont_length;
int g_cont_level;
u64 g_cont_time;
bool g_cont_pending;

void cont_append(int level, u64 nanoseconds, const char* text, size_t length)
{
    if (!g_cont_pending) {
        g_cont_pending = true;
        g_cont_level = level;
        g_cont_time = nanoseconds;
        g_cont_length = 0;
    }
    size_t n = min(length, sizeof(g_cont) - g_cont_length);
    memcpy(g_cont + g_cont_length, text, n);
    g_cont_length += n;
}

void cont_flush()
{
    if (!g_cont_pending)
        return;
    g_cont_pending = false;
    emit_line(g_cont_level, g_cont_time, g_cont, g_cont_length);
}

} // namespace

// Like Linux, a console that registers late gets the lines logged before it existed.
void register_console(console_write_fn write)
{
    IrqSaveGuard irqs_off;
    g_console = write;
    for (u64 line = g_tail; line < g_head;) {
        u64 end = line;
        while (end < g_head && log_byte(end) != '\n')
            end++;
        char text[640];
        size_t length = min<size_t>(end + 1 - line, sizeof(text));
        for (size_t i = 0; i < length; i++)
            text[i] = log_byte(line + i);
        int level = text[1] - '0';
        if (length > 3 && level < console_loglevel)
            g_console(text + 3, length - 3);
        line = end + 1;
    }
}

int vprintk(const char* fmt, va_list args)
{
    char text[512];
    int length = vsnprintf(text, sizeof(text), fmt, args);
    size_t n = min(static_cast<size_t>(length), sizeof(text) - 1);

    const char* p = text;
    int level = LOGLEVEL_DEFAULT;
    bool cont = false;
    if (n >= 2 && p[0] == KERN_SOH_ASCII && p[1] >= '0' && p[1] <= '7') {
        level = p[1] - '0';
        p += 2;
    } else if (n >= 2 && p[0] == KERN_SOH_ASCII && p[1] == 'c') { // KERN_CONT: continue the open line
        cont = true;
        p += 2;
    }
    const char* end = text + n;
    IrqSaveGuard irqs_off; // an interrupt handler's printk must not interleave with this one
    u64 now = local_clock();
    if (!cont)
        cont_flush(); // a new message closes a line left open
    // One record per line, each with the full header, as Linux prints multi-line messages. Text
    // after the last newline stays open for KERN_CONT continuations.
    while (p < end) {
        const char* newline = p;
        while (newline < end && *newline != '\n')
            newline++;
        size_t length = static_cast<size_t>(newline - p);
        if (newline == end) {
            cont_append(level, now, p, length);
            break;
        }
        if (g_cont_pending) {
            cont_append(level, now, p, length);
            cont_flush();
        } else {
            emit_line(level, now, p, length);
        }
        p = newline + 1;
    }
    return length;
}

int printk(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vprintk(fmt, args);
    va_end(args);
    return n;
}

size_t log_buf_used() { return g_head - g_tail; }

size_t log_buf_copy(char* dst, size_t size)
{
    IrqSaveGuard irqs_off;
    u64 start = g_tail;
    if (g_head - start > size) {
        // Only the newest lines fit: start at the first line boundary inside the window.
        start = g_head - size;
        while (start < g_head && log_byte(start - 1) != '\n')
            start++;
    }
    size_t n = g_head - start;
    for (size_t i = 0; i < n; i++)
        dst[i] = log_byte(start + i);
    return n;
}

void log_buf_clear()
{
    IrqSaveGuard irqs_off;
    g_tail = g_head;
    g_tail_seq = g_head_seq;
}

u64 log_first_seq()
{
    IrqSaveGuard irqs_off;
    return g_tail_seq;
}

u64 log_next_seq()
{
    IrqSaveGuard irqs_off;
    return g_head_seq;
}

size_t log_read_record(u64 seq, char* dst, size_t size)
{
    IrqSaveGuard irqs_off;
    if (seq < g_tail_seq || seq >= g_head_seq)
        return 0;
    u64 at = record_position(seq);
    size_t n = 0;
    while (n < size) {
        char c = log_byte(at + n);
        dst[n++] = c;
        if (c == '\n')
            break;
    }
    return n;
}
