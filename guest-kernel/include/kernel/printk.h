// printk: log levels as Linux's (a KERN_* prefix, from abi/lkmemu/kern_levels.h), a timestamp per
// line, a ring buffer that syslog(2) reads back (kernel/printk/), and the console (the 16550) for
// lines whose level is below console_loglevel.
#pragma once

#include <lkmemu/kern_levels.h>
#include <kernel/types.h>
#include <stdarg.h>

constexpr int LOGLEVEL_DEFAULT = 4; // a message without a level prints as KERN_WARNING, as Linux
constexpr int CONSOLE_LOGLEVEL_DEFAULT = 7; // console shows levels 0..6 (not KERN_DEBUG)

__attribute__((format(printf, 1, 2))) int printk(const char* fmt, ...);
int vprintk(const char* fmt, va_list args);

#define pr_emerg(fmt, ...) printk(KERN_EMERG fmt, ##__VA_ARGS__)
#define pr_alert(fmt, ...) printk(KERN_ALERT fmt, ##__VA_ARGS__)
#define pr_crit(fmt, ...) printk(KERN_CRIT fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) printk(KERN_DEBUG fmt, ##__VA_ARGS__)

// Lines with a level below this reach the console (loglevel= on the command line sets it).
extern int console_loglevel;

// The console driver: printk hands it whole lines.
using console_write_fn = void (*)(const char* text, size_t length);
void register_console(console_write_fn write);

// The log buffer, for syslog(2). Each line is stored as "<level>[seconds.micros] text\n".
constexpr size_t LOG_BUF_LEN = 128 * 1024;
// Copy the most recent whole lines that fit into dst; returns the bytes copied.
size_t log_buf_copy(char* dst, size_t size);
size_t log_buf_used();
void log_buf_clear();

// The log as records, one per line, numbered from 0 at boot (/dev/kmsg reads them): the oldest
// still stored, the number the next line will get, and one record's stored line (with its
// newline, cut at size); 0 if seq is no longer, or not yet, in the buffer.
u64 log_first_seq();
u64 log_next_seq();
size_t log_read_record(u64 seq, char* dst, size_t size);

// A stored line "<level>[seconds.micros] text\n" as /dev/kmsg presents record seq:
// "level,seq,microseconds,-;text\n", with bytes outside printable ASCII (and backslash) as \xNN,
// as Linux's devkmsg_read. Writes at most size bytes; returns the full length (like snprintf,
// so a result larger than size means it did not fit).
size_t kmsg_format_record(const char* stored, size_t length, u64 seq, char* out, size_t size);

// Registers /dev/kmsg (kernel/printk/devkmsg.cpp).
void devkmsg_init();
