// EXPORT_SYMBOL and EXPORT_SYMBOL_GPL (linux/export.h): make a symbol of this module available to
// modules loaded after it.
//
// Each export is one struct lkm_kernel_symbol (abi/lkmemu/module_abi.h) in __ksymtab, or in
// __ksymtab_gpl for GPL-only exports, whose value points at the symbol and whose name points at
// its name in __ksymtab_strings; the kernel resolves other modules' undefined symbols by that
// name. Only symbols with C linkage can be exported: in C++, declare them extern "C" (modpost
// rejects an export whose name is not its symbol's).
#pragma once

#include <lkmemu/module_abi.h>
#include <linux/compiler.h>

#define __EXPORT_SYMBOL(sym, sec)                                                                  \
    extern __typeof__(sym) sym;                                                                    \
    static const char __kstrtab_##sym[] __section("__ksymtab_strings") __used __aligned(1) = #sym; \
    static const struct lkm_kernel_symbol __ksymtab_##sym __section(sec) __used __aligned(8) = {   \
        (uint64_t)(uintptr_t)&sym, (uint64_t)(uintptr_t)__kstrtab_##sym}

#define EXPORT_SYMBOL(sym) __EXPORT_SYMBOL(sym, "__ksymtab")
#define EXPORT_SYMBOL_GPL(sym) __EXPORT_SYMBOL(sym, "__ksymtab_gpl")
