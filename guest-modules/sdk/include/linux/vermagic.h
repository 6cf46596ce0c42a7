// The version magic every .ko carries in .modinfo ("vermagic=..."); the kernel refuses a module
// whose string differs from its own, as Linux does. It names what a module's binary compatibility
// depends on: the release (the lkmemu module ABI), the architecture and code model, module
// unloading support and modversions (the module carries __versions, so the kernel compares only
// what follows the release: docs/versions.md).
#pragma once

#include <lkmemu/module_abi.h>

#define VERMAGIC_STRING LKM_VERMAGIC
