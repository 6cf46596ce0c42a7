// EXPORT_SYMBOL, EXPORT_SYMBOL_GPL and their namespaced forms (linux/export.h): make a symbol of
// this module available to modules loaded after it.
//
// Each export is one struct lkm_kernel_symbol (abi/lkmemu/module_abi.h) in __ksymtab, or in
// __ksymtab_gpl for GPL-only exports, whose value points at the symbol, whose name points at its
// name in __ksymtab_strings and whose ns at its namespace there (0 for none); the kernel resolves
// other modules' undefined symbols by that name. modpost adds the export's CRC to __kcrctab(_gpl)
// in NAME.mod.c (docs/versions.md). Only symbols with C linkage can be exported: in C++, declare
// them extern "C" (modpost rejects an export whose name is not its symbol's).
//
// EXPORT_SYMBOL_NS(sym, NS) puts sym in the symbol namespace NS (an identifier, as in Linux 6.1):
// a module may use it only if it says MODULE_IMPORT_NS(NS) — modpost and the kernel refuse it
// otherwise ("module uses symbol (sym) from namespace NS, but does not import it.").
#pragma once

#include <lkmemu/module_abi.h>
#include <linux/compiler.h>

#define __EXPORT_SYMBOL_NS_STRING(sym, ns)                                                         \
    static const char __kstrtabns_##sym[] __section("__ksymtab_strings") __used __aligned(1) = ns

#define __EXPORT_SYMBOL(sym, sec, ns_pointer)                                                      \
    extern __typeof__(sym) sym;                                                                    \
    static const char __kstrtab_##sym[] __section("__ksymtab_strings") __used __aligned(1) = #sym; \
    static const struct lkm_kernel_symbol __ksymtab_##sym __section(sec) __used __aligned(8) = {   \
        (uint64_t)(uintptr_t)&sym, (uint64_t)(uintptr_t)__kstrtab_##sym, (uint64_t)(uintptr_t)(ns_pointer)}

#define EXPORT_SYMBOL(sym) __EXPORT_SYMBOL(sym, "__ksymtab", 0)
#define EXPORT_SYMBOL_GPL(sym) __EXPORT_SYMBOL(sym, "__ksymtab_gpl", 0)
#define EXPORT_SYMBOL_NS(sym, ns)                                                                  \
    __EXPORT_SYMBOL_NS_STRING(sym, #ns);                                                           \
    __EXPORT_SYMBOL(sym, "__ksymtab", __kstrtabns_##sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)                                                              \
    __EXPORT_SYMBOL_NS_STRING(sym, #ns);                                                           \
    __EXPORT_SYMBOL(sym, "__ksymtab_gpl", __kstrtabns_##sym)
