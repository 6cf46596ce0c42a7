// __ro_after_init (linux/cache.h): data written during init, then made read-only by the kernel
// (module_enable_rodata_ro_after_init) once init has returned.
#pragma once

#include <linux/compiler.h>

#define __ro_after_init __section(".data..ro_after_init")
