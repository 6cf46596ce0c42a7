// The version magic every .ko carries in .modinfo ("vermagic=..."); the kernel refuses a module
// whose string differs from its own, as Linux does. It names what a module's binary compatibility
// depends on: the lkmemu module ABI (struct lkm_this_module), the architecture and code model,
// and module unloading support.
#pragma once

#include <lkmemu/module_abi.h>

#ifdef LKM_VERMAGIC
#define VERMAGIC_STRING LKM_VERMAGIC
#else
/* Until module_abi.h defines LKM_VERMAGIC for the kernel to compare with, this is the string. */
#define VERMAGIC_STRING "lkmemu-abi1 x86_64 mcmodel=kernel mod_unload"
#endif
