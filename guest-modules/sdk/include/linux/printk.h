// printk and the pr_* helpers (linux/printk.h). A module may #define pr_fmt(fmt) before its first
// #include to prefix its messages, exactly as in Linux (e.g. KBUILD_MODNAME ": " fmt).
#pragma once

#include <linux/compiler.h>
#include <linux/kern_levels.h>

__LKM_BEGIN_DECLS
/* Formats into the kernel log (dmesg). Returns the number of characters logged. Conversions:
 * %d %i %u %x %X %o %c %s %p %%, and %pS (a code address as symbol+0xoff/0xsize [module]); flags
 * - 0 #; a width and precision (also *); length modifiers hh h l ll z. Nothing else (no %t, no
 * floating point: modules are built without SSE). */
int printk(const char* fmt, ...) __printf(1, 2) __cold;
__LKM_END_DECLS

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

#define pr_emerg(fmt, ...) printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...) printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) printk(KERN_CONT fmt, ##__VA_ARGS__)

/* As in Linux: pr_debug compiles to nothing (but is still type-checked) unless DEBUG is defined. */
#define no_printk(fmt, ...)                                                                        \
    ({                                                                                             \
        if (0)                                                                                     \
            printk(fmt, ##__VA_ARGS__);                                                            \
        0;                                                                                         \
    })
#ifdef DEBUG
#define pr_debug(fmt, ...) printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...) no_printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#endif
