/* Just enough of a module SDK to build the loader's test objects with clang and gcc, written to
 * abi/lkmemu/module_abi.h (the real SDK lives in guest-modules/sdk). */
#pragma once

#include <lkmemu/module_abi.h>

#define TM_CONCAT2(a, b) a##b
#define TM_CONCAT(a, b) TM_CONCAT2(a, b)
#define TM_UNIQUE(prefix) TM_CONCAT(prefix, __COUNTER__)

#define MODULE_INFO(tag, value)                                                                    \
    static const char TM_UNIQUE(__modinfo_)[] __attribute__((section(".modinfo"), used, aligned(1))) = \
        #tag "=" value
#define MODULE_LICENSE(v) MODULE_INFO(license, v)
#define MODULE_AUTHOR(v) MODULE_INFO(author, v)
#define MODULE_DESCRIPTION(v) MODULE_INFO(description, v)
#define MODULE_ALIAS(v) MODULE_INFO(alias, v)
#define MODULE_PARM_DESC(name, text) MODULE_INFO(parm, #name ":" text)

#define THIS_MODULE(modname, init_fn, exit_fn)                                                    \
    struct lkm_this_module __this_module                                                           \
        __attribute__((section(".gnu.linkonce.this_module"), used, aligned(8))) = {               \
            LKM_THIS_MODULE_ABI, 0, modname, (uint64_t)&init_fn, (uint64_t)&exit_fn }

#define TM_EXPORT(sym, section_name)                                                               \
    static const char __kstrtab_##sym[] __attribute__((section("__ksymtab_strings"), used, aligned(1))) = #sym; \
    static const struct lkm_kernel_symbol __ksymtab_##sym                                          \
        __attribute__((section(section_name), used, aligned(8))) = { (uint64_t)&sym, (uint64_t)__kstrtab_##sym }
#define EXPORT_SYMBOL(sym) TM_EXPORT(sym, "__ksymtab")
#define EXPORT_SYMBOL_GPL(sym) TM_EXPORT(sym, "__ksymtab_gpl")

#define module_param_int(name)                                                                     \
    static const char __param_str_##name[] = #name;                                                \
    static const struct lkm_kernel_param __param_##name                                            \
        __attribute__((section("__param"), used, aligned(8))) = {                                  \
            (uint64_t)__param_str_##name, (uint64_t)&name, LKM_PARAM_INT, 0, 0, 0644, 0 };         \
    MODULE_INFO(parmtype, #name ":int")

#define __init __attribute__((section(".init.text")))
#define __exit __attribute__((section(".exit.text")))
#define __ro_after_init __attribute__((section(".data..ro_after_init")))
