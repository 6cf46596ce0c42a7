// The header every module includes (linux/module.h): module metadata, init/exit, parameters,
// exports, printk, and references on modules.
//
//   #include <linux/module.h>
//   static int __init hello_init(void) { pr_info("hello\n"); return 0; }
//   static void __exit hello_exit(void) { pr_info("bye\n"); }
//   module_init(hello_init);
//   module_exit(hello_exit);
//   MODULE_LICENSE("GPL");
#pragma once

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/types.h>

/* The kernel's record of a loaded module. Modules only ever hold pointers to it. */
struct module;

/* This module's own record: modpost generates it (NAME.mod.c) as the struct lkm_this_module in
 * .gnu.linkonce.this_module; the kernel identifies a module by this address. */
__LKM_BEGIN_DECLS
extern struct module __this_module;
__LKM_END_DECLS
#define THIS_MODULE (&__this_module)

#define MODULE_INFO(tag, info) __MODULE_INFO(tag, tag, info)

/* License, as Linux spells them. GPL-compatible (may use EXPORT_SYMBOL_GPL symbols): "GPL",
 * "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL". Anything
 * else (e.g. "Proprietary") is not. modpost requires a license. */
#define MODULE_LICENSE(_license) MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author) MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_description) MODULE_INFO(description, _description)
#define MODULE_VERSION(_version) MODULE_INFO(version, _version)
#define MODULE_ALIAS(_alias) MODULE_INFO(alias, _alias)
/* Lets this module use the exports of symbol namespace ns (EXPORT_SYMBOL_NS): "import_ns=ns". */
#define MODULE_IMPORT_NS(ns) MODULE_INFO(import_ns, __stringify(ns))

__LKM_BEGIN_DECLS
/* Takes a reference on a module, so that rmmod refuses (EWOULDBLOCK) until it is dropped.
 * Returns false if the module is being removed. NULL (built-in code) always succeeds. */
bool try_module_get(struct module* module);
/* Drops a reference taken by try_module_get. */
void module_put(struct module* module);

/* Never called: the kernel exports it for its CRC, which covers the structures of the module
 * format (Linux's module_layout). modpost lists it first in every module's __versions, so a
 * kernel whose module format changed refuses the module ("disagrees about version of symbol
 * module_layout"). */
void module_layout(struct lkm_this_module* mod, struct lkm_modversion_info* ver, struct lkm_kernel_param* kp,
                   struct lkm_kernel_symbol* ks, lkm_kcrc* crc);
__LKM_END_DECLS
